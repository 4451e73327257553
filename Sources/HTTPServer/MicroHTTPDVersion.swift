import CMicroHTTPD

/// The libmicrohttpd the binary runs with, for logs and `stele --version`.
package enum MicroHTTPDVersion {
    package static var current: String {
        guard let version = MHD_get_version() else { return "unknown" }
        return String(cString: version)
    }
}
