@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

private let concentration: [String: JSON] = [
    "rule_type": .string("concentration_limit"),
    "parameters": .object(["max_pct": .number("0.05"), "scope": .string("single_name")]),
    "target_accounts": .array([.string("PORT-001")]),
]

@Suite("Compliance and order event subscriptions")
struct SubscriptionTests {
    @Test("verdicts, overrides and rule changes stream in order to their tenant only")
    func complianceStream() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let watcher = try await server.client("pm")
                let inbox = Inbox(watcher)
                let other = try await server.client("compliance", tenant: TestDatabase.otherTenant)
                let otherInbox = Inbox(other)
                let subscribed = try await watcher.call("oms.subscribe_compliance", ["portfolio_id": .string("PORT-001")])
                let subscription = try #require(subscribed["subscription_id"]?.stringValue)
                _ = try await other.call("oms.subscribe_compliance")

                let ruleId = try #require(try await c.compliance.call("oms.create_rule", concentration)["rule_id"]?.stringValue)
                let orderId = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", orderId)
                _ = try await c.compliance.step("oms.fail_pre_trade_compliance", orderId, ["violations": .array([
                    .object(["rule_id": .string(ruleId), "rule_name": .string("Max Position Size"),
                             "severity": .string("HARD"), "description": .string("Would exceed 5% single-name limit")]),
                    .object(["rule_id": .string("R-002"), "severity": .string("SOFT")]),
                ])])
                _ = try await c.compliance.step("oms.override_pre_trade_compliance", orderId, [
                    "reason": .string("desk approved"), "approver_id": .string("CCO")])
                _ = try await c.compliance.call("oms.update_rule", [
                    "rule_id": .string(ruleId), "changes": .object(["severity": .string("SOFT")])])
                _ = try await c.compliance.call("oms.delete_rule", ["rule_id": .string(ruleId)])
                // Another portfolio's order must not reach a PORT-001 subscriber.
                let elsewhere = try await c.pm.createOrder(["portfolio_id": .string("PORT-002")])
                _ = try await c.pm.step("oms.request_pre_trade_compliance", elsewhere)
                _ = try await c.compliance.step("oms.pass_pre_trade_compliance", elsewhere)

                let expected = ["RULE_CREATED", "PRE_TRADE_FAILED", "PRE_TRADE_FAILED", "PRE_TRADE_OVERRIDDEN",
                                "RULE_UPDATED", "RULE_DELETED"]
                let arrived = await inbox.wait { await $0.events("oms.compliance_event").count >= expected.count }
                #expect(arrived)
                try await Task.sleep(nanoseconds: 300_000_000)
                let events = await inbox.events("oms.compliance_event", subscription: subscription)
                #expect(events.map { $0["event_type"]?.stringValue ?? "" } == expected)
                #expect(events[1]["rule_id"] == .string(ruleId) && events[1]["severity"] == .string("HARD"))
                #expect(events[1]["order_id"] == .string(orderId) && events[1]["portfolio_id"] == .string("PORT-001"))
                #expect(events[1]["details"]?["description"] == .string("Would exceed 5% single-name limit"))
                #expect(events[2]["rule_id"] == .string("R-002") && events[2]["severity"] == .string("SOFT"))
                #expect(events[3]["details"]?["approver_id"] == .string("CCO"))
                #expect(events[4]["severity"] == .string("SOFT") && events[4]["details"]?["version"] == .int(2))
                let ids = events.compactMap { $0["event_id"]?.intValue }
                #expect(ids == ids.sorted() && Set(ids).count == ids.count)
                let leaked = await otherInbox.events("oms.compliance_event")
                #expect(leaked.isEmpty, "another tenant's events leaked")

                let ended = try await watcher.call("oms.unsubscribe", ["subscription_id": .string(subscription)])
                #expect(ended["ok"] == .bool(true))
                let again = await expectCode(.notFound) {
                    _ = try await watcher.call("oms.unsubscribe", ["subscription_id": .string(subscription)])
                }
                #expect(again != nil)
                let denied = await expectCode(.permissionDenied) {
                    _ = try await server.client("pm-p2").call("oms.subscribe_compliance", ["portfolio_id": .string("PORT-001")])
                }
                #expect(denied != nil)
                await watcher.close()
                await other.close()
            }
        }
    }

    @Test("a price move across a concentration limit emits BREACH, moving back emits BREACH_CLEARED, once each")
    func marketBreach() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let inbox = Inbox(c.compliance)
                _ = try await c.compliance.call("oms.subscribe_compliance")
                let ruleId = try #require(try await c.compliance.call("oms.create_rule", concentration)["rule_id"]?.stringValue)
                _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .number("100")])
                // 1,000 × 100 of NAV 10,100,000: 0.99%, under 5%.
                _ = try await c.admin.call("admin.set_position", [
                    "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-1"), "quantity": .number("1000")])
                // 1,000 × 1,000 of NAV 11,000,000: 9.1%, over 5%; twice, still one BREACH.
                for _ in 0..<2 {
                    _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .number("1000")])
                }
                _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .number("100")])
                let arrived = await inbox.wait { await $0.events("oms.compliance_event").count >= 3 }
                #expect(arrived)
                try await Task.sleep(nanoseconds: 300_000_000)
                let events = await inbox.events("oms.compliance_event")
                #expect(events.map { $0["event_type"]?.stringValue ?? "" } == ["RULE_CREATED", "BREACH", "BREACH_CLEARED"])
                let breach = events[1]
                #expect(breach["rule_id"] == .string(ruleId) && breach["portfolio_id"] == .string("PORT-001"))
                #expect(breach["severity"] == .string("HARD"))
                #expect(breach["details"]?["current_value"] == .string("1000000"))
                #expect(breach["details"]?["limit_value"] == .string("550000"))
                #expect(breach["details"]?["cause"] == .string("market.set_price"))
                // A position cut below the limit clears it too.
                _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .number("1000")])
                _ = try await c.admin.call("admin.set_position", [
                    "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-1"), "quantity": .number("10")])
                let cleared = await inbox.wait { await $0.events("oms.compliance_event").count >= 5 }
                #expect(cleared)
                let tail = await inbox.events("oms.compliance_event").dropFirst(3).map { $0["event_type"]?.stringValue ?? "" }
                #expect(tail == ["BREACH", "BREACH_CLEARED"])
                let lastCause = await inbox.events("oms.compliance_event").last?["details"]?["cause"]
                #expect(lastCause == .string("admin.set_position"))
            }
        }
    }

    @Test("resuming from after_event_id under concurrent writers and late commits skips nothing and repeats nothing")
    func resumeUnderConcurrentWriters() async throws {
        try await TestServer.with { server in
            let db = server.db
            let first = try await server.client("compliance")
            let inbox = Inbox(first)
            let sub = try await first.call("oms.subscribe_compliance")
            #expect(sub["subscription_id"]?.stringValue != nil)
            // Writers: many short transactions, and some that take an event id
            // early and commit late, after later ids have committed.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        for step in 0..<25 {
                            let late = step % 8 == 0
                            _ = try await db.database.runner.transaction(.tenant("t1")) { tx in
                                try await tx.rows("""
                                    INSERT INTO compliance_events (tenant_id, event_type, details, occurred_at)
                                    VALUES ('t1', 'RULE_CREATED', jsonb_build_object('writer', \(writer), 'step', \(step)), now())
                                    """)
                                if late { try await tx.rows("SELECT pg_sleep(0.2)") }
                            }
                        }
                    }
                }
                // Meanwhile the first subscriber drops out half-way.
                group.addTask {
                    _ = await inbox.wait { await $0.events("oms.compliance_event").count >= 40 }
                    await first.close()
                }
                try await group.waitForAll()
            }
            let seen = await inbox.events("oms.compliance_event").compactMap { $0["event_id"]?.intValue }
            let last = try #require(seen.last)
            let second = try await server.client("compliance")
            let resumed = Inbox(second)
            _ = try await second.call("oms.subscribe_compliance", ["after_event_id": .int(last)])
            let total = try await db.owner.query("SELECT count(*) FROM compliance_events WHERE tenant_id = 't1'")
                .first!.decode(Int.self)
            let done = await resumed.wait { await $0.events("oms.compliance_event").count + seen.count >= total }
            #expect(done)
            try await Task.sleep(nanoseconds: 200_000_000)
            let rest = await resumed.events("oms.compliance_event").compactMap { $0["event_id"]?.intValue }
            let all = seen + rest
            #expect(all.count == total, "\(all.count) delivered of \(total)")
            #expect(Set(all).count == all.count, "an event was delivered twice")
            let stored = try await db.owner.query("SELECT event_id FROM compliance_events WHERE tenant_id = 't1'")
                .map { Int(try $0.decode(Int64.self)) }
            #expect(Set(all) == Set(stored), "an event was skipped")
            let unknown = await expectCode(.notFound) {
                _ = try await second.call("oms.subscribe_compliance", ["after_event_id": .int(99_999_999)])
            }
            #expect(unknown != nil)
            await second.close()
        }
    }

    @Test("a subscriber that falls behind its buffer is cut off with OVERFLOW and resumes without gaps")
    func overflowAndResume() async throws {
        try await TestServer.with(subscriptionBuffer: 20) { server in
            let db = server.db
            let client = try await server.client("compliance")
            let inbox = Inbox(client)
            _ = try await client.call("oms.subscribe_compliance")
            _ = try await db.owner.query("""
                INSERT INTO compliance_events (tenant_id, event_type, details, occurred_at)
                SELECT 't1', 'RULE_UPDATED', jsonb_build_object('n', n), now() FROM generate_series(1, 300) n
                """)
            var resumes = 0
            while resumes < 100 {
                let resumed = resumes
                let ended = await inbox.wait { inbox in
                    let notices = await inbox.notifications("oms.subscription_ended").count
                    let ids = await inbox.events("oms.compliance_event").compactMap { $0["event_id"]?.intValue }
                    return notices > resumed || Set(ids).count >= 300
                }
                #expect(ended)
                let notices = await inbox.notifications("oms.subscription_ended")
                guard notices.count > resumes else { break }
                #expect(notices[resumes]["reason"] == .string("OVERFLOW"))
                let last = notices[resumes]["last_event_id"]
                resumes += 1
                _ = try await client.call("oms.subscribe_compliance", last?.intValue.map { ["after_event_id": .int($0)] } ?? [:])
            }
            let ids = await inbox.events("oms.compliance_event").compactMap { $0["event_id"]?.intValue }
            #expect(resumes >= 1, "a burst of 300 into a buffer of 20 must overflow")
            #expect(ids.count == 300 && Set(ids).count == 300 && ids == ids.sorted(), "\(ids.count) events")
            await client.close()
        }
    }

    @Test("an order event caused through sidecar B reaches a subscriber on sidecar A; delivery latency p50/p99")
    func acrossSidecars() async throws {
        try await TestServer.with { server in
            try await withSecondSidecar(server) { portB in
                let onA = try await server.client("ops")
                let inbox = Inbox(onA)
                _ = try await onA.call("oms.subscribe_orders", ["portfolio_id": .string("PORT-001")])
                let pmOnB = try await server.client("pm", port: portB)
                var latencies: [Double] = []
                for _ in 0..<40 {
                    let before = await inbox.events("oms.order_event").count
                    let start = Date()
                    let orderId = try await pmOnB.createOrder()
                    let seen = await inbox.wait { await $0.events("oms.order_event").count > before }
                    #expect(seen)
                    latencies.append(Date().timeIntervalSince(start) * 1000)
                    let event = await inbox.events("oms.order_event").last
                    #expect(event?["order_id"] == .string(orderId) && event?["command"] == .string("create_order"))
                    #expect(event?["portfolio_id"] == .string("PORT-001"))
                }
                latencies.sort()
                // From the event's recorded_at (the database clock at insert, just
                // before commit; same machine) to its arrival at the subscriber.
                let delivery = await inbox.timedEvents("oms.order_event").compactMap { event, arrived -> Double? in
                    guard let text = event["recorded_at"]?.stringValue, let recorded = Timestamp.parse(text) else { return nil }
                    return arrived.timeIntervalSince(recorded) * 1000
                }.sorted()
                func ms(_ value: Double) -> String { String(format: "%.1f", value) }
                print("events across two sidecars, 40 create_order on B seen on A: insert-to-subscriber "
                      + "p50 \(ms(percentile(delivery, 0.5))) ms, p99 \(ms(percentile(delivery, 0.99))) ms; "
                      + "call-start-to-subscriber p50 \(ms(percentile(latencies, 0.5))) ms, p99 \(ms(percentile(latencies, 0.99))) ms")
                #expect(delivery.count == 40)
                await onA.close()
                await pmOnB.close()
            }
        }
    }

    @Test("with the evaluator on two sidecars, every pending order is decided exactly once by the rules")
    func evaluatorDecidesOnce() async throws {
        try await TestServer.with(evaluate: true) { server in
            try await withSecondSidecar(server, evaluate: true) { _ in
                try await server.withClients { c in
                    _ = try await c.compliance.call("oms.create_rule", [
                        "rule_type": .string("max_order_quantity"), "parameters": .object(["max_quantity": .number("500")]),
                        "target_accounts": .array([.string("PORT-001")]), "name": .string("Max 500")])
                    var expected: [String: String] = [:]
                    for index in 0..<20 {
                        let quantity = index.isMultiple(of: 2) ? "100" : "1000"
                        let orderId = try await c.pm.createOrder(["ordered_quantity": .number(quantity)])
                        _ = try await c.pm.step("oms.request_pre_trade_compliance", orderId)
                        expected[orderId] = quantity == "100" ? "PRE_TRADE_COMPLIANCE_PASSED" : "PRE_TRADE_COMPLIANCE_FAILED"
                    }
                    let deadline = Date().addingTimeInterval(20)
                    var states: [String: String] = [:]
                    while Date() < deadline {
                        states = [:]
                        for orderId in expected.keys {
                            states[orderId] = try await c.pm.step("oms.get_order", orderId)["state"]?.stringValue
                        }
                        if states == expected { break }
                        try await Task.sleep(nanoseconds: 50_000_000)
                    }
                    #expect(states == expected)
                    let rows = try await server.db.owner.query("""
                        SELECT order_id, count(*)::int, min(decided_by), min(verdict) FROM compliance_results
                        WHERE tenant_id = 't1' AND phase = 'PRE_TRADE' GROUP BY order_id
                        """)
                    #expect(rows.count == expected.count)
                    for row in rows {
                        let (orderId, count, decidedBy, verdict) = try row.decode((String, Int, String, String).self)
                        #expect(count == 1, "order \(orderId) decided \(count) times")
                        #expect(decidedBy == ComplianceEvaluator.principalId)
                        #expect(verdict == (expected[orderId] == "PRE_TRADE_COMPLIANCE_PASSED" ? "PASSED" : "FAILED"))
                    }
                    let failed = try await c.pm.step("oms.get_order_history", expected.first { $0.value.hasSuffix("FAILED") }!.key)
                    let violations = failed["events"]?.arrayValue?.last?["payload"]?["violations"]
                    #expect(violations?.arrayValue?.first?["rule_name"] == .string("Max 500"))
                }
            }
        }
    }

    @Test("when the listen connection is cut, the hub reconnects and the subscriber gets every event, once")
    func reconnectCatchesUp() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let inbox = Inbox(c.ops)
                _ = try await c.ops.call("oms.subscribe_orders")
                let first = try await c.pm.createOrder()
                let seenFirst = await inbox.wait { await $0.events("oms.order_event").count >= 1 }
                #expect(seenFirst)
                // Cut this database's listen sessions (the hub's LISTEN session and its
                // event reader), as a database restart would.
                let listenSessions: SQL = """
                    SELECT pid FROM pg_stat_activity WHERE datname = \(server.db.name) AND application_name = 'oms-listen'
                    """
                let before = try await server.db.owner.query(listenSessions).map { try $0.decode(Int.self) }
                #expect(!before.isEmpty)
                let cut = try await server.db.owner.query("""
                    SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                    WHERE datname = \(server.db.name) AND application_name = 'oms-listen'
                    """).first?.decode(Int.self)
                #expect(cut == before.count)
                var created = [first]
                for _ in 0..<5 { created.append(try await c.pm.createOrder()) }
                let all = await inbox.wait { await $0.events("oms.order_event").count >= 6 }
                #expect(all)
                try await Task.sleep(nanoseconds: 300_000_000)
                let events = await inbox.events("oms.order_event")
                #expect(events.compactMap { $0["order_id"]?.stringValue } == created)
                // As many listen sessions as before, all of them new.
                let after = try await server.db.owner.query(listenSessions).map { try $0.decode(Int.self) }
                #expect(after.count == before.count, "the hub did not reconnect: \(before) before, \(after) after")
                #expect(Set(after).isDisjoint(with: before), "a cut session is still there: \(before) before, \(after) after")
            }
        }
    }
}
