import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file, held while a body runs.
///
/// Two processes (say, two `swift test` runs) that start the same cluster at
/// once would otherwise race in `initdb` or both try to start the server.
enum FileLock {
    /// Runs `body` while holding an exclusive lock on `path`, creating the file
    /// (and its parent directories) if needed.
    static func withLock<T>(at path: String, _ body: () throws -> T) throws -> T {
        let parent = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EmbeddedPostgresError(
                code: .dataDirectoryUnusable,
                message: "cannot open lock file \(path) (errno \(errno))"
            )
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw EmbeddedPostgresError(
                    code: .dataDirectoryUnusable,
                    message: "cannot lock \(path) (errno \(errno))"
                )
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
