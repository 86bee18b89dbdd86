#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Asks the kernel for a TCP port on 127.0.0.1 that nothing is listening on.
enum FreePort {
    /// Binds port 0, reads the port the kernel chose and releases it. Another
    /// process could take it before the server binds it; then start fails and
    /// says so, which is rare enough not to retry.
    static func pick() throws -> Int {
        #if canImport(Darwin)
        let socketType = SOCK_STREAM
        #else
        let socketType = Int32(SOCK_STREAM.rawValue)
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw failure("socket") }
        defer { close(descriptor) }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw failure("bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func failure(_ call: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(
            code: .startFailed,
            message: "cannot find a free TCP port on 127.0.0.1: \(call) failed with errno \(errno)"
        )
    }
}
