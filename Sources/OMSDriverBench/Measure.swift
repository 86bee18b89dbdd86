import Foundation

/// Microseconds per transaction.
struct Sample {
    let client: Double
    let backend: Double
    let wall: Double
}

/// 200 warm-up transactions (statements get prepared, caches fill), then `count` measured.
func measure(_ count: Int, backendPID: Int32, _ body: (Int) throws -> Void) throws -> Sample {
    for i in 0..<200 { try body(i) }
    let start = Snapshot(backendPID: backendPID)
    for i in 0..<count { try body(i) }
    return Snapshot(backendPID: backendPID).since(start, count: count)
}

/// The same for async bodies, run off the main actor (as the server runs them, on the cooperative pool).
func measureAsync(_ count: Int, backendPID: Int32, _ body: @Sendable (Int) async throws -> Void) async throws -> Sample {
    for i in 0..<200 { try await body(i) }
    let start = Snapshot(backendPID: backendPID)
    for i in 0..<count { try await body(i) }
    return Snapshot(backendPID: backendPID).since(start, count: count)
}

private struct Snapshot {
    let client: Double
    let backend: Double
    let wall: Double

    init(backendPID: Int32) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        client = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        backend = Self.processCPU(backendPID)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        wall = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    func since(_ start: Snapshot, count: Int) -> Sample {
        let n = Double(count) / 1e6
        return Sample(client: (client - start.client) / n, backend: (backend - start.backend) / n, wall: (wall - start.wall) / n)
    }

    /// utime + stime of a process from /proc/<pid>/stat (fields 14 and 15, in clock ticks).
    /// The command name in field 2 may hold spaces, so fields are counted after its ')'.
    static func processCPU(_ pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
