import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `postmaster.pid` lock file a running server keeps in its data directory.
///
/// Line 1 is the server's process id and line 4 its TCP port; the file can
/// outlive its server (a crash, a reboot), so liveness is checked, not assumed.
struct PostmasterPID: Sendable {
    /// The server's process id.
    var pid: pid_t
    /// The TCP port the server listens on.
    var port: Int

    /// Path of the lock file inside `dataDirectory`.
    static func path(in dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("postmaster.pid")
    }

    /// The lock file's contents, if it exists and parses.
    static func read(in dataDirectory: String) -> PostmasterPID? {
        guard let text = try? String(contentsOfFile: path(in: dataDirectory), encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard lines.count >= 4, let pid = pid_t(lines[0]), pid > 0, let port = Int(lines[3]) else { return nil }
        return PostmasterPID(pid: pid, port: port)
    }

    /// The running server's lock file, or nil if there is none or it is stale.
    static func running(in dataDirectory: String) -> PostmasterPID? {
        guard let file = read(in: dataDirectory), file.isAlive else { return nil }
        return file
    }

    /// Deletes a lock file whose server is gone, so that a start is not refused.
    static func removeIfStale(in dataDirectory: String) {
        let path = path(in: dataDirectory)
        guard FileManager.default.fileExists(atPath: path), running(in: dataDirectory) == nil else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Whether the process exists and, where `/proc` can tell, is a live
    /// postgres: after a reboot the old pid may belong to something else, and
    /// a server that has exited can linger as a zombie until it is reaped.
    var isAlive: Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) state …"; comm may itself contain spaces or parentheses.
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return true }
        let name = stat[stat.index(after: open)..<close]
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return name.hasPrefix("postgres") && state != "Z" && state != "X"
    }
}
