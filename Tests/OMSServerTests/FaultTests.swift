@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSPostgres
import Testing

@Suite("Faults: crashes, database restarts, dropped clients, slow subscribers", .serialized)
struct FaultTests {
    @Test("kill -9 of sidecars under load: clients retry on another sidecar with the same idempotency keys; nothing committed is lost or applied twice")
    func killedSidecars() async throws {
        try await Fleet.with(sidecars: 3) { fleet in
            let sidecars = fleet.sidecars
            let tag = "K\(uniqueTag())"
            let ledger = Ledger()
            let traderOrders = try await KeyedWork.ordersForTrader(fleet, on: sidecars[2], count: 6)
            // Every worker starts on sidecar 0; it is killed, then sidecar 1
            // that they moved to; they finish on sidecar 2.
            let pms = (0..<4).map { _ in Caller("pm", fleet: fleet, sidecar: sidecars[0]) }
            let traders = (0..<3).map { _ in Caller("trader", fleet: fleet, sidecar: sidecars[0]) }
            let clock = ContinuousClock(), started = clock.now
            var kills: [Duration] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, caller) in pms.enumerated() {
                    group.addTask {
                        for order in 0..<6 { _ = await KeyedWork.pmOrder(caller, key: "\(tag)-pm\(index)-o\(order)", ledger: ledger) }
                    }
                }
                for (index, caller) in traders.enumerated() {
                    group.addTask {
                        for order in 0..<2 {
                            await KeyedWork.traderOrder(caller, orderId: traderOrders[index * 2 + order],
                                                        key: "\(tag)-tr\(index)-o\(order)", slices: 5, ledger: ledger)
                        }
                    }
                }
                // Kill while commands are in flight: after 40 and after 110 answered commands.
                for (victim, after) in [(0, 40), (1, 110)] {
                    while await ledger.count < after, clock.now - started < .seconds(40) {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    sidecars[victim].kill9()
                    kills.append(clock.now - started)
                }
                try await group.waitForAll()
            }
            let elapsed = clock.now - started
            let entries = await ledger.entries
            var retried = 0, reconnects = 0
            for caller in pms + traders {
                retried += await caller.retries
                reconnects += await caller.reconnects
            }
            let notCommitted = entries.filter { !$0.committed }
            #expect(notCommitted.isEmpty, "commands that did not end committed: \(notCommitted.prefix(5).map { "\($0.key) \($0.method): \($0.outcome)" })")
            #expect(retried > 0, "no command was in flight at either kill: the test proved nothing")
            #expect(sidecars[2].isRunning)
            let problems = try await KeyedWork.check(entries, in: fleet, tag: tag)
            #expect(problems.isEmpty, "\(problems.count) mismatches: \(problems.prefix(10))")
            let audit = try await fleet.audit()
            #expect(audit.problems.isEmpty, "\(audit.problems.prefix(10))")
            let pending = try await fleet.values(
                "SELECT count(*)::int FROM idempotency_keys WHERE result = 'null'::jsonb", as: Int.self).first ?? 0
            let lost = entries.filter { if case .refused = $0.outcome { $0.committed } else { false } }.count
            print("""
                kill -9: \(entries.count) keyed commands in \(elapsed), sidecars killed at \(kills); \
                \(entries.filter { $0.attempts > 1 }.count) answered after a retry (\(retried) retries, \(reconnects) reconnects); \
                \(lost) answered CONFLICT committed-but-answer-lost; \(pending) keys left pending; \
                \(audit.orders) orders, \(audit.events) events
                """)
        }
    }

    /// Waits until every sidecar's /readyz answers `status`, and expects that it did.
    func expectReadiness(_ status: Int, of sidecars: [Sidecar], within seconds: Double) async throws {
        for sidecar in sidecars {
            let answer = try await awaitReadiness(status, port: sidecar.metricsPort, within: seconds)
            #expect(answer.status == status, "\(sidecar.name) /readyz: \(answer.body)")
        }
    }

    @Test("PostgreSQL restart under load: calls answer UNAVAILABLE and /readyz is 503 meanwhile; the same sidecars recover; subscribers get every event exactly once")
    func databaseRestart() async throws {
        try await Fleet.with(sidecars: 2) { fleet in
            let sidecars = fleet.sidecars
            let pids = sidecars.map(\.pid)
            let tag = "R\(uniqueTag())"
            let staying = [try await Subscriber.start(fleet, on: sidecars[0]), try await Subscriber.start(fleet, on: sidecars[1])]
            let leaving = try await Subscriber.start(fleet, on: sidecars[1])
            let ledger = Ledger()
            let codes = CodeCounter()
            let stop = Flag()
            let callers = (0..<4).map { Caller("pm", fleet: fleet, sidecar: sidecars[$0 % 2]) }
            let clock = ContinuousClock(), started = clock.now
            var timeline: [String] = []
            var resumedFrom = 0
            var firstPart: [Int] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, caller) in callers.enumerated() {
                    group.addTask {
                        var order = 0
                        while !stop.isSet {
                            _ = await KeyedWork.pmOrder(caller, key: "\(tag)-c\(index)-o\(order)", ledger: ledger)
                            order += 1
                        }
                    }
                }
                // Per-attempt codes come from probes: a plain call every 50 ms on each sidecar.
                for sidecar in sidecars {
                    group.addTask {
                        let probe = try await fleet.client("pm", on: sidecar)
                        while !stop.isSet {
                            var params = limitOrderParams
                            params["idempotency_key"] = .string("\(tag)-probe-\(UUID().uuidString)")
                            let outcome = await attempt(probe, "oms.create_order", params, timeout: 20)
                            await codes.add(outcome.code)
                            try? await Task.sleep(for: .milliseconds(50))
                        }
                        await probe.close()
                    }
                }
                try await Task.sleep(for: .seconds(1))
                try await blocking { try fleet.cluster?.stop() }
                timeline.append("database stopped at \(clock.now - started)")
                try await expectReadiness(503, of: sidecars, within: 15)
                timeline.append("both /readyz 503 at \(clock.now - started)")
                try await Task.sleep(for: .seconds(1.5))
                firstPart = await leaving.eventIds()
                resumedFrom = firstPart.last ?? 0
                await leaving.client.close()
                _ = try await blocking { try fleet.cluster?.start() }
                timeline.append("database started at \(clock.now - started)")
                try await expectReadiness(200, of: sidecars, within: 30)
                timeline.append("both /readyz 200 at \(clock.now - started)")
                try await Task.sleep(for: .seconds(1.5))
                stop.set()
                try await group.waitForAll()
            }
            let elapsed = clock.now - started
            #expect(sidecars.map(\.pid) == pids && sidecars.allSatisfy(\.isRunning), "a sidecar restarted or died")
            var seen = await codes.counts
            for caller in callers { for (code, count) in await caller.codes { seen[code, default: 0] += count } }
            // Only calls in flight on a connection when it broke answer UNAVAILABLE;
            // calls made while the database is down wait for the pool and then
            // succeed. How many were in flight depends on the machine's load and may
            // be none (docs/operations.md), so the count is reported, not required;
            // the outage itself is asserted through /readyz above; the counts are printed below.
            // CONFLICT: a retry whose first attempt committed as the connection died (committed, answer lost).
            #expect(Set(seen.keys).isSubset(of: ["OK", "UNAVAILABLE", "CONFLICT"]), "unexpected answers: \(seen)")
            let entries = await ledger.entries
            let notCommitted = entries.filter { !$0.committed }
            #expect(notCommitted.isEmpty, "\(notCommitted.prefix(5).map { "\($0.key): \($0.outcome)" })")
            let problems = try await KeyedWork.check(entries, in: fleet, tag: "\(tag)-c")
            #expect(problems.isEmpty, "\(problems.count) mismatches: \(problems.prefix(10))")
            let audit = try await fleet.audit()
            #expect(audit.problems.isEmpty, "\(audit.problems.prefix(10))")
            for (index, subscriber) in staying.enumerated() {
                let received = await subscriber.awaitEvents(audit.events)
                #expect(received == audit.eventIds,
                        "staying subscriber \(index): \(received.count) events, \(Set(received).count) distinct, table \(audit.events)")
            }
            let resumed = try await Subscriber.start(fleet, on: sidecars[0], after: resumedFrom)
            let rest = await resumed.awaitEvents(audit.events - firstPart.count)
            #expect(firstPart + rest == audit.eventIds,
                    "resumed subscriber: \(firstPart.count) + \(rest.count) events, table \(audit.events)")
            var reconnects: [Double] = []
            for sidecar in sidecars {
                reconnects.append(Scrape(try await httpGet(port: sidecar.metricsPort, "/metrics").body).value("oms_listen_reconnects_total"))
            }
            #expect(reconnects.allSatisfy { $0 >= 1 }, "LISTEN reconnects per sidecar: \(reconnects)")
            print("""
                database restart: \(entries.count) keyed commands in \(elapsed) (\(entries.filter { $0.attempts > 1 }.count) \
                needed retries, most attempts \(entries.map(\.attempts).max() ?? 0)); answers per attempt (workers and probes) \(seen); \
                \(timeline.joined(separator: ", ")); \(audit.events) events, resumed subscriber \(firstPart.count) + \(rest.count); \
                LISTEN reconnects \(reconnects)
                """)
            for subscriber in staying + [resumed] { await subscriber.client.close() }
        }
    }
}
