import ArgumentParser
import Foundation
import OMSClient
import OMSProtocol

/// `oms bench`: drives a running server over the wire and reports throughput
/// and per-command latency; with `--database-url`, also runs pgbench baselines
/// of the same state changes against the same database.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a running server (see scripts/bench, which sets everything up).")

    enum Workload: String, ExpressibleByArgument, CaseIterable { case lifecycle, fills, list, events }

    @Option(help: "lifecycle, fills, list or events.") var workload: Workload = .fills
    @Option(help: "Concurrent clients.") var clients: Int = 8
    @Option(help: "Seconds to run.") var duration: Double = 10
    @Option(help: "fills and events: routed orders in the pool (fewer orders = more contention); list: orders in the table.")
    var orders: Int?
    @Option(help: "Server host:port.") var address: String = ProtocolDefaults.address
    @Option(name: .customLong("second-address"), help: "events: a second sidecar's host:port on the same database.")
    var secondAddress: String?
    @Option(name: .customLong("admin-key"), help: "Admin API key of the bench tenant (env OMS_API_KEY).")
    var adminKey: String?
    @Option(name: .customLong("database-url"),
            help: "Same database: counts rolled-back transactions, loads the list table, runs the pgbench baselines after fills and lifecycle.")
    var databaseURL: String?
    @Option(name: .customLong("server-pid"), help: "oms serve's pid, to report its CPU seconds and memory.")
    var serverPid: Int32?

    func run() async throws {
        guard let key = adminKey ?? ProcessInfo.processInfo.environment["OMS_API_KEY"] else {
            throw ValidationError("pass --admin-key (an Admin key of the bench tenant)")
        }
        let setup = try await BenchSetup.prepare(address: address, adminKey: key, clients: clients)
        if workload == .list {
            guard let databaseURL else { throw ValidationError("the list workload loads its orders through --database-url") }
            try ListLoad(databaseURL: databaseURL, tenantId: setup.tenantId, count: orders ?? 1_000_000).run()
        }
        let aborts = try databaseURL.map(AbortCounter.init)
        let pool = [.fills, .events].contains(workload) ? try await setup.routedOrders(orders ?? 64) : []
        try await aborts?.analyze()
        let before = try await aborts?.sample()
        let cpuBefore = CPUTime.sample(serverPid: serverPid)
        let rssBefore = serverPid.flatMap(CPUTime.residentKiB)
        let result: BenchResult
        switch workload {
        case .lifecycle:
            result = try await LifecycleWorkload(setup: setup, clients: clients, duration: duration).run()
        case .fills:
            result = try await FillsWorkload(setup: setup, clients: clients, duration: duration, pool: pool).run()
        case .list:
            result = try await ListWorkload(setup: setup, clients: clients, duration: duration).run()
        case .events:
            guard let secondAddress else { throw ValidationError("the events workload needs --second-address") }
            result = try await EventsWorkload(setup: setup, second: setup.on(secondAddress), clients: clients,
                                              duration: duration, pool: pool).run()
        }
        let cpu = CPUTime.sample(serverPid: serverPid) - cpuBefore
        result.print(workload: workload.rawValue, clients: clients, cpu: cpu, serverPid: serverPid)
        if let rssBefore, let rssAfter = serverPid.flatMap(CPUTime.residentKiB) {
            Swift.print("  server resident memory: \(rssBefore / 1024) MiB at start, \(rssAfter / 1024) MiB at end")
        }
        if let aborts, let before {
            // Backends report statistics when idle; give the last ones a moment.
            try await Task.sleep(nanoseconds: 1_500_000_000)
            let after = try await aborts.sample()
            let rolledBack = after.rollbacks - before.rollbacks
            Swift.print(String(format: "  rolled-back transactions (retries): %lld, %.2f per command",
                               rolledBack, Double(rolledBack) / Double(max(result.commands, 1))))
        }
        guard let databaseURL, workload == .fills || workload == .lifecycle else { return }
        let baseline = try PgBenchBaseline(databaseURL: databaseURL, tenantId: setup.tenantId, clients: clients,
                                           duration: duration, orders: max(orders ?? 64, clients))
        if workload == .fills {
            let naive = try baseline.run("naive-fill", script: baseline.naiveFillSQL, seed: true, rate: 100)
            let kernel = try baseline.run("kernel-fill", script: baseline.kernelFillSQL, seed: false, rate: 100)
            Swift.print(String(format: "pgbench at %d clients: naive-sql %.0f fills/s, kernel-sql %.0f fills/s", clients, naive, kernel))
            Swift.print(String(format: "ratio oms / naive-sql = %.2f, oms / kernel-sql-limit = %.2f",
                               result.commandsPerSecond / naive, result.commandsPerSecond / kernel))
        } else {
            let naive = try baseline.run("naive-lifecycle", script: baseline.naiveLifecycleSQL, seed: false, rate: 10)
            let kernel = try baseline.run("kernel-lifecycle", script: KernelSQL(tenantId: setup.tenantId).lifecycleScript,
                                          seed: false, rate: 10)
            let orders = Double(result.orders) / max(result.elapsed, 0.001)
            Swift.print(String(format: "pgbench at %d clients: naive-sql %.1f orders/s, kernel-sql %.1f orders/s",
                               clients, naive, kernel))
            Swift.print(String(format: "ratio oms / naive-sql = %.2f, oms / kernel-sql-limit = %.2f (orders/s)",
                               orders / naive, orders / kernel))
        }
    }
}
