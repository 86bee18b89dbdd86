@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSProtocol
import Testing

/// Keyed load on two sidecars while the database fails over: PMs walking
/// orders through create / update / request / cancel, traders placing and
/// filling, a probe per sidecar that records when each call was answered
/// and how, and a subscriber per sidecar that stays connected throughout.
final class FailoverRun: @unchecked Sendable {  // every field is set once in `start`; the actors hold the rest
    let fleet: Fleet
    let sidecars: [Sidecar]
    let tag = "F\(uniqueTag())"
    let ledger = Ledger()
    let probes = ProbeLog()
    let stop = Flag()
    let started = ContinuousClock.now
    private(set) var callers: [Caller] = []
    private(set) var subscribers: [Subscriber] = []
    private var load: Task<Void, any Error>?

    private init(fleet: Fleet, sidecars: [Sidecar]) {
        self.fleet = fleet
        self.sidecars = sidecars
    }

    static func start(_ fleet: Fleet, sidecars: [Sidecar]) async throws -> FailoverRun {
        let run = FailoverRun(fleet: fleet, sidecars: sidecars)
        run.subscribers = [try await Subscriber.start(fleet, on: sidecars[0]), try await Subscriber.start(fleet, on: sidecars[1])]
        let traderOrders = try await KeyedWork.ordersForTrader(fleet, on: sidecars[0], count: 12)
        let pms = (0..<4).map { Caller("pm", fleet: fleet, sidecar: sidecars[$0 % 2]) }
        let traders = (0..<2).map { Caller("trader", fleet: fleet, sidecar: sidecars[$0 % 2]) }
        run.callers = pms + traders
        let (tag, ledger, stop) = (run.tag, run.ledger, run.stop)
        run.load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, caller) in pms.enumerated() {
                    group.addTask {
                        var order = 0
                        while !stop.isSet, await KeyedWork.pmOrder(caller, key: "\(tag)-pm\(index)-o\(order)", ledger: ledger) {
                            order += 1
                            // A pause between orders, so the load leaves the CPU to the
                            // suites running beside this one (CI runs them in parallel).
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
                for (index, caller) in traders.enumerated() {
                    group.addTask {
                        for (order, orderId) in traderOrders.enumerated() where order % 2 == index && !stop.isSet {
                            await KeyedWork.traderOrder(caller, orderId: orderId, key: "\(tag)-tr\(index)-o\(order)",
                                                        slices: 5, ledger: ledger)
                        }
                    }
                }
                for (index, sidecar) in sidecars.enumerated() {
                    group.addTask { await run.probe(index, sidecar) }
                }
                try await group.waitForAll()
            }
        }
        return run
    }

    /// A create_order every 100 ms on one sidecar, each attempt's ending
    /// logged; what it was told committed goes into the ledger too.
    private func probe(_ index: Int, _ sidecar: Sidecar) async {
        var client: OMSClient?
        var count = 0
        while !stop.isSet {
            if client == nil { client = try? await fleet.client("pm", on: sidecar) }
            let key = "\(tag)-probe\(index)-\(count)"
            count += 1
            var params = limitOrderParams
            params["idempotency_key"] = .string(key)
            let sent = ContinuousClock.now
            let outcome = if let client { await attempt(client, "oms.create_order", params, timeout: 20) }
                          else { Outcome.unavailable("connect failed") }
            await probes.add(sidecar: index, sent: sent, code: outcome.code)
            if outcome.result != nil {
                await ledger.add(LedgerEntry(key: key, method: "oms.create_order",
                                             orderId: outcome.result?["order_id"]?.stringValue ?? "", outcome: outcome, attempts: 1))
            } else if case .unavailable = outcome {
                await client?.close()
                client = nil
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        await client?.close()
    }

    /// Waits until the workers have had `commands` answered.
    func awaitLoad(commands: Int) async throws {
        try await waitUntil("\(commands) keyed commands answered", within: 60) { await self.ledger.count >= commands }
    }

    /// Waits until every sidecar answered a call sent after `moment` successfully.
    func awaitService(after moment: ContinuousClock.Instant, within seconds: Double) async throws {
        try await waitUntil("every sidecar serves again", within: seconds) {
            await self.probes.served(after: moment, sidecars: self.sidecars.count)
        }
    }

    /// Stops the load and checks everything; returns a summary for the log.
    func finish() async throws -> String {
        stop.set()
        try await load?.value
        let elapsed = ContinuousClock.now - started
        let entries = await ledger.entries
        var seen = await probes.codes
        var retries = 0
        for caller in callers {
            retries += await caller.retries
            for (code, count) in await caller.codes { seen[code, default: 0] += count }
        }
        // CONFLICT: a retry whose first attempt committed as its connection died.
        #expect(Set(seen.keys).isSubset(of: ["OK", "UNAVAILABLE", "CONFLICT"]), "unexpected answers: \(seen)")
        let notCommitted = entries.filter { !$0.committed }
        #expect(notCommitted.isEmpty, "commands that did not end committed: \(notCommitted.prefix(5).map { "\($0.key): \($0.outcome)" })")
        let problems = try await KeyedWork.check(entries, in: fleet, tag: tag)
        #expect(problems.isEmpty, "\(problems.count) acknowledged commands missing or doubled: \(problems.prefix(10))")
        let audit = try await fleet.audit()
        #expect(audit.problems.isEmpty, "\(audit.problems.prefix(10))")
        var received: [Int] = []
        for (index, subscriber) in subscribers.enumerated() {
            received = await subscriber.awaitEvents(audit.events)
            let extra = Set(received).subtracting(audit.eventIds).count
            #expect(received == audit.eventIds,
                    "subscriber on sidecar-\(index): \(received.count) events (\(Set(received).count) distinct, \(extra) not in the table), table \(audit.events)")
            await subscriber.client.close()
        }
        let conflicts = entries.filter { if case .refused = $0.outcome { $0.committed } else { false } }.count
        return """
            \(entries.count) acknowledged keyed commands in \(elapsed), \(entries.filter { $0.attempts > 1 }.count) \
            answered after a retry (\(retries) retries, \(conflicts) CONFLICT committed); answers per attempt \(seen); \
            ledger mismatches \(problems.count); \(audit.orders) orders, \(audit.events) events, \
            subscribers got \(received.count)
            """
    }
}

/// When each probe call was sent and answered, and how.
actor ProbeLog {
    struct Answer {
        let sidecar: Int
        let sent: ContinuousClock.Instant
        let answered: ContinuousClock.Instant
        let code: String
    }

    private var answers: [Answer] = []

    func add(sidecar: Int, sent: ContinuousClock.Instant, code: String) {
        answers.append(Answer(sidecar: sidecar, sent: sent, answered: .now, code: code))
    }

    var codes: [String: Int] { answers.reduce(into: [:]) { $0[$1.code, default: 0] += 1 } }

    func served(after moment: ContinuousClock.Instant, sidecars: Int) -> Bool {
        (0..<sidecars).allSatisfy { index in answers.contains { $0.sidecar == index && $0.code == "OK" && $0.sent > moment } }
    }

    /// Per sidecar, the outage the fault caused: seconds from `fault` to the
    /// first success of a call sent after the last failed one (0 failures:
    /// the first success after the fault), and how many calls failed.
    func outage(after fault: ContinuousClock.Instant, sidecars: Int) -> [(seconds: Double, failures: Int)] {
        (0..<sidecars).map { index in
            let mine = answers.filter { $0.sidecar == index && $0.answered > fault }
            let failures = mine.filter { $0.code != "OK" }
            let lastFailure = failures.map(\.answered).max() ?? fault
            let end = mine.first { $0.code == "OK" && $0.sent >= lastFailure }?.answered
            return (end.map { ($0 - fault).seconds } ?? .infinity, failures.count)
        }
    }
}
