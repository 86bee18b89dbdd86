@testable import OMSServerTestSupport
import Foundation

/// The processes of a formation's hosts, read from /proc: the keepers run in
/// process groups of their own, PostgreSQL's backends in sessions of their own.
extension Formation {
    /// Alive and not a zombie waiting for a parent that no longer exists to reap it.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: end)...].hasPrefix(" Z")
    }

    /// The command lines of a node's host processes, for failure messages.
    func processes(of node: Node) -> [String] {
        hostProcesses(of: node).map { "\($0) \(Self.command(of: $0))" }
    }

    /// The node's processes: its keeper's process group, and the children of
    /// those (each PostgreSQL backend calls setsid, leaving the group).
    func hostProcesses(of node: Node) -> [Int32] {
        let all = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
        let group = Set(all.filter { getpgid($0) == node.keeper })
        return Array(group) + all.filter { !group.contains($0) && group.contains(Self.parent(of: $0)) }
    }

    /// A process's parent, from /proc/PID/stat (the field after the state).
    static func parent(of pid: Int32) -> Int32 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        return Int32(stat[stat.index(end, offsetBy: 2)...].split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// The processes whose process group is `group`, from /proc.
    func members(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { getpgid($0) == group }
    }

    /// A process's command name as it set it (`pg_autoctl: node active`, `postgres`).
    static func command(of pid: Int32) -> String {
        (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?
            .replacingOccurrences(of: "\0", with: " ") ?? ""
    }
}
