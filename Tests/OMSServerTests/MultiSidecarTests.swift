@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import Testing

/// Counts what the clients were told, per method and per outcome.
actor Tally {
    private(set) var successes: [String: Int] = [:]
    private(set) var refusals: [String: Int] = [:]
    /// Outcomes no client may get: anything but success or an expected refusal.
    private(set) var unexpected: [String] = []
    private(set) var latencies: [Double] = []

    func record(_ method: String, _ outcome: Outcome, seconds: Double, allowed: Set<String>) {
        latencies.append(seconds)
        switch outcome {
        case .ok: successes[method, default: 0] += 1
        case .refused(let code, _) where allowed.contains(code): refusals[code, default: 0] += 1
        default: unexpected.append("\(method): \(outcome)")
        }
    }

    var commands: Int { latencies.count }
}

@Suite("Several oms serve processes on one database", .serialized)
struct MultiSidecarTests {
    /// Refusals a racing command may legitimately get.
    static let racingRefusals: Set<String> = [
        "INVALID_STATE", "CANCEL_NOT_AUTHORIZED", "FIELD_LOCKED", "OVERFILL", "PLACEMENT_EXCEEDS_UNFILLED",
    ]

    /// One random command of `role` on `orderId`: (method, params).
    static func command(for role: String, orderId: String, tag: String, serial: Int) -> (String, [String: JSON]) {
        let order: [String: JSON] = ["order_id": .string(orderId)]
        let choice = Int.random(in: 0..<100)
        switch role {
        case "pm":
            switch choice {
            case ..<25: return ("oms.request_pre_trade_compliance", order)
            case ..<45: return ("oms.send_to_trader", order)
            case ..<60: return ("oms.cancel_order", order.merging(["reason": .string("pm changed mind")]) { $1 })
            case ..<80: return ("oms.update_order", order.merging(["changes": .object(
                ["ordered_quantity": .int(900 + Int.random(in: 0...200))])]) { $1 })
            default: return ("oms.update_order", order.merging(["changes": .object(
                ["metadata": .object(["note": .string("\(tag)-\(serial)")])])]) { $1 })
            }
        case "compliance":
            switch choice {
            case ..<50: return ("oms.pass_pre_trade_compliance", order)
            case ..<80: return ("oms.fail_pre_trade_compliance", order.merging(["violations": .array([.object([
                "rule_id": .string("R-1"), "rule_name": .string("limit"), "severity": .string("HARD"),
                "description": .string("racing"),
            ])])]) { $1 })
            default: return ("oms.override_pre_trade_compliance", order.merging([
                "reason": .string("desk approved"), "approver_id": .string("CCO")]) { $1 })
            }
        case "trader":
            switch choice {
            case ..<30: return ("ems.create_placement", order.merging([
                "venue": .string("XNYS"), "quantity": .int(200)]) { $1 })
            case ..<65: return ("ems.record_fill", order.merging([
                "exec_id": .string("EX-\(tag)-\(serial)"), "quantity": .int(100), "price": .string("10.5")]) { $1 })
            case ..<85: return ("oms.cancel_order", order.merging(["reason": .string("trader pulled it")]) { $1 })
            default: return ("oms.close_order", order)
            }
        default:  // system
            switch choice {
            case ..<40: return ("oms.reject_order", order.merging(["reason": .string("venue halted")]) { $1 })
            default: return ("ems.record_fill", order.merging([
                "exec_id": .string("EX-\(tag)-\(serial)"), "quantity": .int(100), "price": .string("10.5")]) { $1 })
            }
        }
    }

    @Test("six clients race conflicting commands through three sidecars: one definite answer each, rows equal their replayed events, every subscriber gets every event once in order")
    func conflictingCommandsThroughThreeSidecars() async throws {
        try await Fleet.with(sidecars: 3) { fleet in
            let sidecars = fleet.sidecars
            var subscribers: [Subscriber] = []
            for sidecar in sidecars { subscribers.append(try await Subscriber.start(fleet, on: sidecar)) }
            // Two clients per sidecar, each role on at least two sidecars.
            let plan: [(role: String, sidecar: Int)] = [
                ("pm", 0), ("compliance", 1), ("trader", 2), ("system", 0), ("pm", 1), ("trader", 2),
            ]
            var racers: [(role: String, client: OMSClient)] = []
            for (role, index) in plan { racers.append((role, try await fleet.client(role, on: sidecars[index]))) }
            let pm = try await fleet.client("pm", on: sidecars[0])
            let compliance = try await fleet.client("compliance", on: sidecars[1])
            let trader = try await fleet.client("trader", on: sidecars[2])
            let tally = Tally()
            let clock = ContinuousClock(), started = clock.now
            let tag = uniqueTag()

            func setupCall(_ client: OMSClient, _ method: String, _ params: [String: JSON]) async throws -> JSON {
                let outcome = await attempt(client, method, params)
                await tally.record(method, outcome, seconds: 0, allowed: [])
                return try #require(outcome.result, "\(method): \(outcome)")
            }

            let rounds = 6, ordersPerRound = 4, commandsPerClient = 10
            for round in 0..<rounds {
                // Orders in CREATED, PENDING_PRE_TRADE_COMPLIANCE, SENT_TO_TRADER and ROUTED.
                var orders: [String] = []
                for _ in 0..<ordersPerRound {
                    let created = try await setupCall(pm, "oms.create_order", limitOrderParams)
                    orders.append(try #require(created["order_id"]?.stringValue))
                }
                for (index, id) in orders.enumerated() where index > 0 {
                    _ = try await setupCall(pm, "oms.request_pre_trade_compliance", ["order_id": .string(id)])
                    if index >= 2 {
                        _ = try await setupCall(compliance, "oms.pass_pre_trade_compliance", ["order_id": .string(id)])
                        _ = try await setupCall(pm, "oms.send_to_trader", ["order_id": .string(id)])
                    }
                    if index == 3 {
                        _ = try await setupCall(trader, "ems.create_placement", [
                            "order_id": .string(id), "venue": .string("XNYS"), "quantity": .int(400)])
                    }
                }
                let frozen = orders
                await withTaskGroup(of: Void.self) { group in
                    for (index, racer) in racers.enumerated() {
                        group.addTask {
                            for serial in 0..<commandsPerClient {
                                let (method, params) = Self.command(
                                    for: racer.role, orderId: frozen.randomElement()!, tag: "\(tag)-\(round)-\(index)",
                                    serial: serial)
                                let sent = ContinuousClock.now
                                let outcome = await attempt(racer.client, method, params)
                                let seconds = Double((ContinuousClock.now - sent).components.attoseconds) / 1e18
                                    + Double((ContinuousClock.now - sent).components.seconds)
                                await tally.record(method, outcome, seconds: seconds, allowed: Self.racingRefusals)
                            }
                        }
                    }
                }
            }
            let elapsed = clock.now - started

            let unexpected = await tally.unexpected
            #expect(unexpected.isEmpty, "answers that are neither success nor a racing refusal: \(unexpected.prefix(10))")
            let audit = try await fleet.audit()
            #expect(audit.problems.isEmpty, "\(audit.problems.count) broken invariants: \(audit.problems.prefix(10))")
            // What the clients were told committed is exactly what the events say committed.
            let successes = await tally.successes
            var told: [String: Int] = [:]
            for (method, count) in successes {
                told[String(method.split(separator: ".").last!), default: 0] += count
            }
            #expect(told == audit.eventsByCommand, "successes per command \(told) vs events \(audit.eventsByCommand)")

            for (index, subscriber) in subscribers.enumerated() {
                let received = await subscriber.awaitEvents(audit.events)
                #expect(received.count == audit.events, "sidecar \(index): \(received.count) of \(audit.events) events")
                #expect(Set(received).count == received.count, "sidecar \(index): duplicates")
                #expect(received == audit.eventIds, "sidecar \(index): not the table's events in cursor order")
            }

            var retries = 0.0
            for sidecar in sidecars {
                retries += Scrape(try await httpGet(port: sidecar.metricsPort, "/metrics").body)
                    .value("oms_transaction_retries_total")
            }
            let latencies = await tally.latencies.filter { $0 > 0 }.sorted()
            print("""
                multi-sidecar: \(await tally.commands) commands (\(latencies.count) racing) in \(elapsed), \
                \(successes.values.reduce(0, +)) succeeded, refusals \(await tally.refusals), \
                \(audit.orders) orders, \(audit.events) events, \(Int(retries)) serialization retries, \
                racing latency p50 \(Int(percentile(latencies, 0.5) * 1000)) ms p99 \(Int(percentile(latencies, 0.99) * 1000)) ms
                """)
            for client in racers.map(\.client) + [pm, compliance, trader] + subscribers.map(\.client) { await client.close() }
        }
    }
}
