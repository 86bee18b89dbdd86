import Foundation
import Histogram

/// Latencies per command (HdrHistogram, microseconds) and counts.
struct BenchResult: Sendable {
    var histograms: [String: Histogram<UInt64>] = [:]
    var commands = 0
    var orders = 0
    var errors: [String: Int] = [:]
    var elapsed: Double = 0

    var commandsPerSecond: Double { Double(commands) / max(elapsed, 0.001) }

    mutating func record(_ command: String, micros: UInt64) {
        histograms[command, default: Histogram<UInt64>(highestTrackableValue: 60_000_000)].record(max(1, micros))
        commands += 1
    }

    /// A latency that is not a command of its own (event delivery).
    mutating func recordLatency(_ name: String, _ elapsed: Duration) {
        histograms[name, default: Histogram<UInt64>(highestTrackableValue: 60_000_000)].record(max(1, elapsed.microseconds))
    }

    mutating func merge(_ other: BenchResult) {
        for (command, histogram) in other.histograms {
            if histograms[command] == nil { histograms[command] = histogram } else { histograms[command]!.add(histogram) }
        }
        commands += other.commands
        orders += other.orders
        errors.merge(other.errors, uniquingKeysWith: +)
    }

    func print(workload: String, clients: Int, cpu: CPUTime, serverPid: Int32?) {
        Swift.print("workload \(workload): \(clients) clients, \(String(format: "%.1f", elapsed)) s")
        Swift.print(String(format: "  %d commands, %.0f commands/s, %d orders, %.1f orders/s",
                           commands, commandsPerSecond, orders, Double(orders) / max(elapsed, 0.001)))
        Swift.print("  command                          count     p50 ms    p99 ms  p99.9 ms")
        for (command, h) in histograms.sorted(by: { $0.key < $1.key }) {
            Swift.print(String(format: "  %-30@ %7d %9.2f %9.2f %9.2f", command as NSString, Int(h.totalCount),
                               Double(h.valueAtPercentile(50)) / 1000, Double(h.valueAtPercentile(99)) / 1000,
                               Double(h.valueAtPercentile(99.9)) / 1000))
        }
        if !errors.isEmpty { Swift.print("  noted: \(errors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))") }
        if serverPid != nil {
            Swift.print(String(format: "  CPU seconds: oms server %.2f, PostgreSQL %.2f (per 1,000 commands: %.3f + %.3f)",
                               cpu.server, cpu.postgres, cpu.server * 1000 / Double(max(commands, 1)),
                               cpu.postgres * 1000 / Double(max(commands, 1))))
        }
    }
}

/// CPU seconds (user + system) of the server process and of all PostgreSQL
/// processes, those still running and those exited, from /proc.
struct CPUTime: Sendable {
    var server: Double = 0
    var postgres: Double = 0

    static func - (a: CPUTime, b: CPUTime) -> CPUTime {
        CPUTime(server: a.server - b.server, postgres: a.postgres - b.postgres)
    }

    /// Resident set size of a process in KiB (VmRSS), from /proc.
    static func residentKiB(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    static func sample(serverPid: Int32?) -> CPUTime {
        var sample = CPUTime()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return sample }
        for pid in pids.compactMap(Int32.init) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let name = stat[stat.index(after: stat.firstIndex(of: "(")!)..<close]
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 14, let user = Double(fields[11]), let system = Double(fields[12]),
                  let childrenUser = Double(fields[13]), let childrenSystem = Double(fields[14]) else { continue }
            let seconds = (user + system) / ticks
            if pid == serverPid { sample.server += seconds }
            // The postmaster's children times hold the backends that have
            // exited (pgbench's connections, autovacuum workers).
            if name == "postgres" { sample.postgres += seconds + (childrenUser + childrenSystem) / ticks }
        }
        return sample
    }
}
