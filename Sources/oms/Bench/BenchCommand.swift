import ArgumentParser
import Foundation
import OMSClient
import OMSProtocol

/// `oms bench`: drives a running server over the wire and reports throughput
/// and per-command latency; optionally runs pgbench with a hand-written naive
/// SQL script of the same state changes against the same database.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a running server (see scripts/bench, which sets everything up).")

    enum Workload: String, ExpressibleByArgument, CaseIterable { case lifecycle, fills }

    @Option(help: "lifecycle or fills.") var workload: Workload = .fills
    @Option(help: "Concurrent clients.") var clients: Int = 8
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "fills: routed orders in the pool (fewer orders = more contention).") var orders: Int = 64
    @Option(help: "Server host:port.") var address: String = "127.0.0.1:9191"
    @Option(name: .customLong("admin-key"), help: "Admin API key of the bench tenant (env OMS_API_KEY).")
    var adminKey: String?
    @Option(name: .customLong("database-url"),
            help: "Same database: counts rolled-back transactions, and runs the pgbench baseline after fills (omit to skip both).")
    var databaseURL: String?
    @Option(name: .customLong("server-pid"), help: "oms serve's pid, to report its CPU seconds.")
    var serverPid: Int32?

    func run() async throws {
        guard let key = adminKey ?? ProcessInfo.processInfo.environment["OMS_API_KEY"] else {
            throw ValidationError("pass --admin-key (an Admin key of the bench tenant)")
        }
        let setup = try await BenchSetup.prepare(address: address, adminKey: key, clients: clients)
        let aborts = try databaseURL.map(AbortCounter.init)
        let before = try await aborts?.sample()
        let cpuBefore = CPUTime.sample(serverPid: serverPid)
        let result: BenchResult
        switch workload {
        case .lifecycle:
            result = try await LifecycleWorkload(setup: setup, clients: clients, duration: duration).run()
        case .fills:
            result = try await FillsWorkload(setup: setup, clients: clients, duration: duration, orders: orders).run()
        }
        let cpu = CPUTime.sample(serverPid: serverPid) - cpuBefore
        result.print(workload: workload.rawValue, clients: clients, cpu: cpu, serverPid: serverPid)
        if let aborts, let before {
            // Backends report statistics when idle; give the last ones a moment.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            let after = try await aborts.sample()
            let rolledBack = after.rollbacks - before.rollbacks
            Swift.print(String(format: "  rolled-back transactions (retries): %lld, %.2f per command",
                               rolledBack, Double(rolledBack) / Double(max(result.commands, 1))))
        }
        if let databaseURL, workload == .fills {
            let baseline = try PgBenchBaseline(databaseURL: databaseURL, tenantId: setup.tenantId, clients: clients,
                                               duration: duration, orders: max(orders, clients))
            let naive = try baseline.run(workload: workload)
            Swift.print(String(format: "pgbench naive-sql: %.0f transitions/s at %d clients; ratio oms / naive-sql = %.2f",
                               naive, clients, result.commandsPerSecond / naive))
        }
    }
}
