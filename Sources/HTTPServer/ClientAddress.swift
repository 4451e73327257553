import Glibc

/// A client's IP address without its port: what the per-address connection
/// limit counts connections by.
struct ClientAddress: Hashable, Sendable {
    private let family: sa_family_t
    private let high: UInt64
    private let low: UInt64

    /// The address in a `sockaddr_in` or `sockaddr_in6`; nil for another family.
    init?(_ address: UnsafePointer<sockaddr>) {
        family = address.pointee.sa_family
        switch Int32(family) {
        case AF_INET:
            let v4 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in.self)
            high = 0
            low = UInt64(v4.sin_addr.s_addr)
        case AF_INET6:
            let v6 = UnsafeRawPointer(address).loadUnaligned(as: sockaddr_in6.self)
            (high, low) = withUnsafeBytes(of: v6.sin6_addr) {
                ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
        default:
            return nil
        }
    }
}
