import Checksums

/// The bearer tokens a server accepts and their scopes, read from a token
/// file: one token per line followed by its scopes (`s3cret read,write`);
/// blank lines and lines starting with `#` are skipped.
///
/// Tokens are kept only as BLAKE3 digests, and a presented token is compared
/// with every one of them in constant time: neither the position of the
/// first differing byte nor the length of a token shows in the timing.
package struct AccessTokens: Sendable {
    /// Why a token file cannot be used.
    package struct FileError: Error, Sendable, CustomStringConvertible {
        package let line: Int
        package let reason: String
        package var description: String { line > 0 ? "token file line \(line): \(reason)" : "token file: \(reason)" }
    }

    private let entries: [(digest: BLAKE3Digest, scopes: Set<AccessScope>)]

    package init(fileContents: String) throws(FileError) {
        var entries: [(digest: BLAKE3Digest, scopes: Set<AccessScope>)] = []
        for (index, line) in fileContents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let token = fields.first, !token.hasPrefix("#") else { continue }
            guard fields.count == 2 else {
                throw FileError(line: index + 1, reason: "expected a token and its scopes (read, write, admin), comma-separated")
            }
            var scopes = Set<AccessScope>()
            for name in fields[1].split(separator: ",") {
                guard let scope = AccessScope(rawValue: String(name)) else {
                    throw FileError(line: index + 1, reason: "unknown scope \"\(name)\"")
                }
                scopes.insert(scope)
            }
            guard token.utf8.count >= 16 else {
                throw FileError(line: index + 1, reason: "token shorter than 16 characters")
            }
            entries.append((Self.digest(token), scopes))
        }
        guard !entries.isEmpty else { throw FileError(line: 0, reason: "no tokens (only blank lines and comments); without a token file there is no authorization") }
        self.entries = entries
    }

    /// The scopes of the token in an `Authorization` header value, or nil
    /// when the header is not a bearer token this server knows.
    package func scopes(authorization: String) -> Set<AccessScope>? {
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let presented = Self.digest(parts[1].trimmingSpaces)
        var found: Set<AccessScope>?
        for entry in entries where Self.equalInConstantTime(entry.digest, presented) {
            found = entry.scopes
        }
        return found
    }

    /// Whether `scopes` allow what `needed` names (admin allows everything).
    package static func allows(_ scopes: Set<AccessScope>, _ needed: AccessScope) -> Bool {
        scopes.contains(needed) || scopes.contains(.admin)
    }

    private static func digest(_ token: some StringProtocol) -> BLAKE3Digest {
        BLAKE3Hasher.hash(Array(token.utf8))
    }

    /// Compares two digests touching every byte, whatever they hold.
    private static func equalInConstantTime(_ a: BLAKE3Digest, _ b: BLAKE3Digest) -> Bool {
        a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in
                var difference: UInt8 = 0
                for index in 0..<BLAKE3Digest.byteCount { difference |= left[index] ^ right[index] }
                return difference == 0
            }
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: SubSequence {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
