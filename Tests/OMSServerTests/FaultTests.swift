import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import PostgresNIO
import Testing

/// One keyed command a worker sent, and how it finally ended.
struct LedgerEntry: Sendable {
    let key: String
    let method: String
    let orderId: String
    let outcome: Outcome
    let attempts: Int

    /// The client believes the command committed: a success, or the CONFLICT
    /// that says it committed but its answer was lost with its server.
    var committed: Bool {
        switch outcome {
        case .ok: true
        case .refused("CONFLICT", let message): message.contains("committed")
        default: false
        }
    }
}

actor Ledger {
    private(set) var entries: [LedgerEntry] = []
    func add(_ entry: LedgerEntry) { entries.append(entry) }
    var count: Int { entries.count }
}

/// Keyed workloads whose every command leaves a trace that names its key, so
/// the database can be compared with what the clients were told.
enum KeyedWork {
    /// A PM's order: create, two metadata updates, request pre-trade, cancel;
    /// every command with its own idempotency key.
    static func pmOrder(_ caller: Caller, key: String, ledger: Ledger) async -> Bool {
        var params = limitOrderParams
        params["idempotency_key"] = .string("\(key)-create")
        let (created, attempts) = await caller.call("oms.create_order", params)
        await ledger.add(LedgerEntry(key: "\(key)-create", method: "oms.create_order",
                                     orderId: created.result?["order_id"]?.stringValue ?? "", outcome: created, attempts: attempts))
        guard let orderId = created.result?["order_id"]?.stringValue else { return false }
        let steps: [(String, String, [String: JSON])] = [
            ("update1", "oms.update_order", ["changes": .object(["metadata": .object(["key": .string("\(key)-update1")])])]),
            ("update2", "oms.update_order", ["changes": .object(["metadata": .object(["key": .string("\(key)-update2")])])]),
            ("request", "oms.request_pre_trade_compliance", [:]),
            ("cancel", "oms.cancel_order", ["reason": .string("done")]),
        ]
        for (step, method, extra) in steps {
            var params = extra
            params["order_id"] = .string(orderId)
            params["idempotency_key"] = .string("\(key)-\(step)")
            let (outcome, attempts) = await caller.call(method, params)
            await ledger.add(LedgerEntry(key: "\(key)-\(step)", method: method, orderId: orderId, outcome: outcome,
                                         attempts: attempts))
            guard outcome.result != nil else { return false }
        }
        return true
    }

    /// A trader working an order that was sent to it: placements of 100 named
    /// by their key (`strategy`) and fills of 100 (exec_id = key).
    static func traderOrder(_ caller: Caller, orderId: String, key: String, slices: Int, ledger: Ledger) async {
        for slice in 0..<slices {
            let placementKey = "\(key)-p\(slice)", fillKey = "\(key)-f\(slice)"
            let (placed, placeAttempts) = await caller.call("ems.create_placement", [
                "order_id": .string(orderId), "venue": .string("XNYS"), "quantity": .int(100),
                "strategy": .string(placementKey), "idempotency_key": .string(placementKey)])
            await ledger.add(LedgerEntry(key: placementKey, method: "ems.create_placement", orderId: orderId,
                                         outcome: placed, attempts: placeAttempts))
            let (filled, fillAttempts) = await caller.call("ems.record_fill", [
                "order_id": .string(orderId), "exec_id": .string(fillKey), "quantity": .int(100),
                "price": .string("10.25"), "idempotency_key": .string(fillKey)])
            await ledger.add(LedgerEntry(key: fillKey, method: "ems.record_fill", orderId: orderId,
                                         outcome: filled, attempts: fillAttempts))
        }
    }

    /// Orders created, cleared and sent to the trader through `sidecar`.
    static func ordersForTrader(_ fleet: Fleet, on sidecar: Sidecar, count: Int) async throws -> [String] {
        let pm = try await fleet.client("pm", on: sidecar)
        let compliance = try await fleet.client("compliance", on: sidecar)
        var ids: [String] = []
        for _ in 0..<count {
            let id = try #require(try await pm.call("oms.create_order", limitOrderParams)["order_id"]?.stringValue)
            _ = try await pm.call("oms.request_pre_trade_compliance", ["order_id": .string(id)])
            _ = try await compliance.call("oms.pass_pre_trade_compliance", ["order_id": .string(id)])
            _ = try await pm.call("oms.send_to_trader", ["order_id": .string(id)])
            ids.append(id)
        }
        await pm.close()
        await compliance.close()
        return ids
    }

    /// Compares the ledger with the database: every key the clients believe
    /// committed left exactly one trace, every other key none; fills add up.
    static func check(_ ledger: [LedgerEntry], in fleet: Fleet, tag: String) async throws -> [String] {
        var problems: [String] = []
        let createdOrders = Dictionary(try await fleet.withPool { database in
            try await database.client.query("""
                SELECT idempotency_key, order_id FROM orders WHERE tenant_id = 't1' AND idempotency_key LIKE \(tag + "%")
                """, logger: Fleet.logger).collect().map { try $0.decode((String, String).self) }
        }, uniquingKeysWith: { first, _ in first })
        let traces = try await fleet.withPool { database in
            try await database.client.query("""
                SELECT k, count(*)::int FROM (
                    SELECT payload->'changes'->'metadata'->>'key' AS k FROM order_events
                    WHERE tenant_id = 't1' AND command = 'update_order'
                    UNION ALL SELECT strategy FROM placements WHERE tenant_id = 't1'
                    UNION ALL SELECT exec_id FROM fills WHERE tenant_id = 't1'
                ) t WHERE k LIKE \(tag + "%") GROUP BY k
                """, logger: Fleet.logger).collect().map { try $0.decode((String, Int).self) }
        }
        let traceCount = Dictionary(traces, uniquingKeysWith: +)
        let perOrder = try await fleet.withPool { database in
            try await database.client.query("""
                SELECT order_id, command, count(*)::int FROM order_events
                WHERE tenant_id = 't1' AND command IN ('request_pre_trade_compliance', 'cancel_order', 'record_fill')
                GROUP BY order_id, command
                """, logger: Fleet.logger).collect().map { try $0.decode((String, String, Int).self) }
        }
        let eventCount = Dictionary(perOrder.map { ("\($0.0)/\($0.1)", $0.2) }, uniquingKeysWith: +)
        var fillsBelieved: [String: Int] = [:]
        for entry in ledger {
            switch entry.method {
            case "oms.create_order":
                let stored = createdOrders[entry.key]
                if entry.committed, stored == nil || (entry.orderId != "" && stored != entry.orderId) {
                    problems.append("\(entry.key): client got order \(entry.orderId), database has \(stored ?? "none")")
                }
                if !entry.committed, stored != nil { problems.append("\(entry.key): not answered but created \(stored!)") }
            case "oms.update_order", "ems.create_placement", "ems.record_fill":
                let count = traceCount[entry.key] ?? 0
                if count != (entry.committed ? 1 : 0) {
                    problems.append("\(entry.key) \(entry.method): client told \(entry.outcome), database has \(count) (after \(entry.attempts) attempts)")
                }
                if entry.method == "ems.record_fill", entry.committed { fillsBelieved[entry.orderId, default: 0] += 1 }
            default:
                let command = String(entry.method.split(separator: ".").last!)
                let count = eventCount["\(entry.orderId)/\(command)"] ?? 0
                if count != (entry.committed ? 1 : 0) {
                    problems.append("\(entry.key) \(entry.method): client told \(entry.outcome), database has \(count) events (after \(entry.attempts) attempts)")
                }
            }
        }
        for (orderId, fills) in fillsBelieved where eventCount["\(orderId)/record_fill"] != fills {
            problems.append("\(orderId): clients believe \(fills) fills, \(eventCount["\(orderId)/record_fill"] ?? 0) recorded")
        }
        return problems
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

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
                try await ReadinessTests.blocking { try fleet.cluster.stop() }
                timeline.append("database stopped at \(clock.now - started)")
                for sidecar in sidecars {
                    let down = try await ReadinessTests.awaitReadiness(503, port: sidecar.metricsPort, within: 15)
                    #expect(down.status == 503, "\(sidecar.name) /readyz: \(down.body)")
                }
                timeline.append("both /readyz 503 at \(clock.now - started)")
                try await Task.sleep(for: .seconds(1.5))
                firstPart = await leaving.eventIds()
                resumedFrom = firstPart.last ?? 0
                await leaving.client.close()
                _ = try await ReadinessTests.blocking { try fleet.cluster.start() }
                timeline.append("database started at \(clock.now - started)")
                for sidecar in sidecars {
                    let up = try await ReadinessTests.awaitReadiness(200, port: sidecar.metricsPort, within: 30)
                    #expect(up.status == 200, "\(sidecar.name) /readyz: \(up.body)")
                }
                timeline.append("both /readyz 200 at \(clock.now - started)")
                try await Task.sleep(for: .seconds(1.5))
                stop.set()
                try await group.waitForAll()
            }
            let elapsed = clock.now - started
            #expect(sidecars.map(\.pid) == pids && sidecars.allSatisfy(\.isRunning), "a sidecar restarted or died")
            var seen = await codes.counts
            for caller in callers { for (code, count) in await caller.codes { seen[code, default: 0] += count } }
            #expect((seen["UNAVAILABLE"] ?? 0) > 0, "no call was answered UNAVAILABLE while the database was down: \(seen)")
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

/// Counts outcome codes.
actor CodeCounter {
    private(set) var counts: [String: Int] = [:]
    func add(_ code: String) { counts[code, default: 0] += 1 }
}

/// A one-way switch shared by tasks.
final class Flag: @unchecked Sendable {  // `stored` is only touched under `lock`
    private let lock = NSLock()
    private var stored = false
    var isSet: Bool { lock.withLock { stored } }
    func set() { lock.withLock { stored = true } }
}
