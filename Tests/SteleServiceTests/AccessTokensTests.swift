import Testing

@testable import SteleService

@Suite("Bearer tokens come from a file and grant read, write or admin")
struct AccessTokensTests {
    private let file = """
        # tokens
        reader-0123456789abcdef read
        writer-0123456789abcdef read,write

        admin-0123456789abcdefg admin
        """

    @Test func eachToken_getsItsScopes() throws {
        let tokens = try AccessTokens(fileContents: file)
        #expect(tokens.scopes(authorization: "Bearer reader-0123456789abcdef") == [.read])
        #expect(tokens.scopes(authorization: "bearer writer-0123456789abcdef") == [.read, .write])
        #expect(tokens.scopes(authorization: "Bearer  admin-0123456789abcdefg ") == [.admin])
    }

    @Test(arguments: ["", "Bearer", "Bearer x", "Basic reader-0123456789abcdef", "Bearer reader-0123456789abcde", "Bearer reader-0123456789abcdefX"])
    func unknownOrMalformedCredentials_getNoScopes(header: String) throws {
        #expect(try AccessTokens(fileContents: file).scopes(authorization: header) == nil)
    }

    @Test func admin_allowsEverything_andOtherScopesOnlyThemselves() {
        #expect(AccessTokens.allows([.admin], .write))
        #expect(AccessTokens.allows([.admin], .read))
        #expect(AccessTokens.allows([.write], .write))
        #expect(!AccessTokens.allows([.write], .admin))
        #expect(!AccessTokens.allows([.read], .write))
    }

    @Test(arguments: ["", "# only a comment\n", "short read\n", "a-long-enough-token-here read,owner\n", "a-long-enough-token-here\n"])
    func unusableFiles_areRefused(contents: String) {
        #expect(throws: AccessTokens.FileError.self) { try AccessTokens(fileContents: contents) }
    }

    @Test func aFileWithoutTokens_saysSo_withoutALineNumber() {
        #expect {
            try AccessTokens(fileContents: "# only a comment\n\n")
        } throws: { error in
            "\(error)" == "token file: no tokens (only blank lines and comments); without a token file there is no authorization"
        }
    }
}
