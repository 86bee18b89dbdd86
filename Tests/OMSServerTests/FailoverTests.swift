@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import Testing

/// Losing the database host: two sidecars on a pg_auto_failover formation's
/// multi-host URI under keyed load; the primary dies (or is failed over on
/// purpose), the secondary is promoted, and everything the clients were told
/// must be on it, once.
///
/// `OMS_FAILOVER_SABOTAGE` breaks the set-up on purpose, to show that the
/// test notices (not for CI): `async` turns synchronous replication off
/// (`replication-quorum false` on the secondary); `single-host` points the
/// second sidecar at the first primary's host alone.
@Suite("Failover: losing the database host with pg_auto_failover", .serialized)
struct FailoverTests {
    enum Fault: String, Sendable {
        /// SIGKILL to the primary's whole host (keeper, postmaster, backends)
        /// while the standby lags: the primary's WAL sender is stopped for
        /// 0.5 s just before the kill, the moment synchronous replication exists for.
        case hostKilled = "kill -9 of the primary's host"
        /// `pg_autoctl perform failover`.
        case planned = "pg_autoctl perform failover"
    }

    /// How long after the fault both sidecars must serve again (measured: see docs/operations.md).
    /// The monitor waits `primary_demote_timeout` (30 s) for a primary that
    /// cannot report its demotion, so host loss costs a little more than that.
    static let resumeBound: Double = 50

    @Test("kill -9 of the primary's host under load: the secondary takes over; every acknowledged command is on it once; subscribers miss nothing")
    func primaryHostKilled() async throws {
        try await run(.hostKilled)
    }

    @Test("pg_autoctl perform failover under load: the same guarantees across a planned switch-over")
    func plannedFailover() async throws {
        try await run(.planned)
    }

    func run(_ fault: Fault) async throws {
        let sabotage = ProcessInfo.processInfo.environment["OMS_FAILOVER_SABOTAGE"] ?? ""
        try await Formation.with { formation in
            let uri = try formation.formationURI()
            let firstPrimary = try #require(try await formation.primary())
            let standby = try #require(formation.nodes.first { $0.name != firstPrimary.name })
            if sabotage == "async" {
                try formation.run(["set", "node", "replication-quorum", "false", "--pgdata", standby.dataDirectory])
                try await waitUntil("synchronous replication is off", within: 30) {
                    (try? await formation.query(formation.url(of: firstPrimary), "SHOW synchronous_standby_names"))?.first?.first == ""
                }
            }
            let syncNames = try await formation.query(formation.url(of: firstPrimary), "SHOW synchronous_standby_names")
            try await Fleet.with(url: uri, sidecars: 0) { fleet in
                let sidecars = [
                    try await fleet.startSidecar(name: "sidecar-0"),
                    try await fleet.startSidecar(name: "sidecar-1",
                                                 url: sabotage == "single-host" ? formation.url(of: firstPrimary) : uri),
                ]
                for sidecar in sidecars {
                    let ready = try await httpGet(port: sidecar.metricsPort, "/readyz")
                    #expect(ready.body.contains("127.0.0.1:\(firstPrimary.port)"), "\(sidecar.name) /readyz before: \(ready.body)")
                }
                let run = try await FailoverRun.start(fleet, sidecars: sidecars)
                defer { run.stop.set() }  // a failed wait must not leave the workers running
                try await run.awaitLoad(commands: 60)
                let faultAt = try await inject(fault, formation: formation, primary: firstPrimary, standby: standby)
                try await waitUntil("the monitor promoted \(standby.name)", within: Self.resumeBound + 30) {
                    ["primary", "wait_primary"].contains((try? await formation.states())?.first { $0.name == standby.name }?.reported ?? "")
                }
                let newPrimary = standby
                try await run.awaitService(after: .now, within: Self.resumeBound)
                try await Task.sleep(for: .seconds(2))
                let report = try await run.finish()
                let outage = await run.probes.outage(after: faultAt, sidecars: sidecars.count)
                for sidecar in sidecars {
                    let ready = try await httpGet(port: sidecar.metricsPort, "/readyz")
                    #expect(ready.status == 200 && ready.body.contains("127.0.0.1:\(newPrimary.port)"),
                            "\(sidecar.name) /readyz after: \(ready.body)")
                }
                if fault == .planned {
                    try await expectBIOnStandby(formation, fleet: fleet, uri: uri, standby: firstPrimary)
                }
                for (index, window) in outage.enumerated() {
                    #expect(window.seconds < Self.resumeBound, "sidecar-\(index) served again \(window.seconds) s after the fault")
                }
                print("""
                    failover (\(fault.rawValue)\(sabotage.isEmpty ? "" : ", sabotage \(sabotage)")): \
                    synchronous_standby_names '\(syncNames.first?.first.flatMap { $0 } ?? "?")'; \
                    \(firstPrimary.name) → \(newPrimary.name); service back per sidecar after \
                    \(outage.map { String(format: "%.2f s (%d failed probes)", $0.seconds, $0.failures) }); \(report)
                    """)
            }
        }
    }

    /// After a switch-over the old primary follows the new one as a hot
    /// standby; a BI login reads the reporting views there (its tenant's rows,
    /// as many orders as the primary has) and can change nothing.
    func expectBIOnStandby(_ formation: Formation, fleet: Fleet, uri: String, standby: Formation.Node) async throws {
        try await formation.awaitSteady(within: 60)
        let made = try runOMS(["admin", "create-bi-role", "--tenant-id", Fleet.tenant, "--role", "bi_failover", "--json",
                               "--database-url", uri])
        try #require(made.status == 0, "\(made.err)")
        let password = try #require(try JSONParser.parse(Array(made.out.utf8))["password"]?.stringValue)
        let login = try DatabaseURL("postgres://bi_failover:\(password)@127.0.0.1:\(standby.port)/\(Formation.database)?sslmode=disable")
        let orders = try await fleet.values("SELECT count(*)::int FROM orders", as: Int.self).first ?? -1
        // Synchronous replication waits for the standby to have the WAL, not to have replayed it.
        let query = "SELECT pg_is_in_recovery(), count(*), string_agg(DISTINCT tenant_id, ',') FROM reporting.orders"
        let deadline = Date().addingTimeInterval(30)
        var read = try ReportingTests.psql(login, query)
        while read.out != "t|\(orders)|\(Fleet.tenant)", Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
            read = try ReportingTests.psql(login, query)
        }
        #expect(read.out == "t|\(orders)|\(Fleet.tenant)", "BI on \(standby.name): \(read)")
        let write = try ReportingTests.psql(login, "UPDATE reporting.orders SET state = 'CANCELED'")
        #expect(write.status != 0, "a BI login changed a row on the standby: \(write)")
        print("BI on the standby \(standby.name): pg_is_in_recovery|orders|tenants = \(read.out); an UPDATE: \(write.err.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// Injects the fault; returns when it was injected (the kill, or the
    /// start of `perform failover`) — the moment service resumption is measured from.
    func inject(_ fault: Fault, formation: Formation, primary: Formation.Node, standby: Formation.Node) async throws -> ContinuousClock.Instant {
        switch fault {
        case .hostKilled:
            let sender = try #require(formation.walSender(of: primary), "no WAL sender on \(primary.name): \(formation.processes(of: primary))")
            kill(sender, SIGSTOP)
            try await Task.sleep(for: .milliseconds(500))
            let at = ContinuousClock.now
            formation.killHost(primary)
            return at
        case .planned:
            let at = ContinuousClock.now
            try await blocking { try formation.performFailover() }
            return at
        }
    }
}
