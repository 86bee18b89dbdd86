@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

/// The SDK page's create_rule example.
private let sdkRule: [String: JSON] = [
    "rule_type": .string("concentration_limit"),
    "parameters": .object(["max_pct": .number("0.05"), "scope": .string("single_name")]),
    "target_accounts": .array([.string("PORT-001"), .string("PORT-002")]),
    "active": .bool(true),
]

private func proposal(_ quantity: String, portfolio: String = "PORT-001", limit: String? = nil) -> JSON {
    var object: [String: JSON] = [
        "portfolio_id": .string(portfolio), "instrument_id": .string("INS-1"), "direction": .string("Buy"),
        "ordered_quantity": .number(quantity),
    ]
    object["limit_price"] = limit.map(JSON.string)
    return .object(object)
}

/// Every row of every table as text, and every sequence's position: equal
/// dumps mean nothing was written.
private func dump(_ db: TestDatabase) async throws -> [String] {
    let client = db.owner
    let tables = try await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        .map { try $0.decode(String.self) }
    var lines: [String] = []
    for table in tables {
        let rows = try await client.query(SQL(stringLiteral: "SELECT x::text FROM \"\(table)\" x ORDER BY 1"))
        lines += try rows.map { "\(table): \(try $0.decode(String.self))" }
    }
    let sequences = try await client.query(
        "SELECT sequencename || ' ' || coalesce(last_value::text, '-') FROM pg_sequences ORDER BY 1")
    lines += try sequences.map { "sequence \(try $0.decode(String.self))" }
    return lines
}

@Suite("Compliance rules, what-if and headroom over the wire")
struct WireComplianceTests {
    @Test("create_rule, list_rules, update_rule and delete_rule follow the SDK page")
    func ruleMethods() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let created = try await c.compliance.call("oms.create_rule", sdkRule)
                let ruleId = try #require(created["rule_id"]?.stringValue)
                #expect(created["rule"]?["parameters"] == .object(["max_pct": .string("0.05"), "scope": .string("single_name")]))
                #expect(created["rule"]?["severity"] == .string("HARD") && created["rule"]?["version"] == .int(1))

                let listed = try await c.pm.call("oms.list_rules", ["portfolio_id": .string("PORT-001"),
                                                                    "rule_type": .string("concentration_limit")])
                #expect(listed["rules"]?.arrayValue?.map { $0["rule_id"] } == [.string(ruleId)])

                let updated = try await c.compliance.call("oms.update_rule", [
                    "rule_id": .string(ruleId), "changes": .object(["parameters": .object(["max_pct": .number("0.10")])])])
                #expect(updated["parameters"]?["max_pct"] == .string("0.1") && updated["version"] == .int(2))
                let locked = await expectCode(.fieldLocked) {
                    _ = try await c.compliance.call("oms.update_rule", [
                        "rule_id": .string(ruleId), "changes": .object(["deployment_id": .string("DEP-2")])])
                }
                #expect(locked?.details["fields"] == "deployment_id")
                let unknown = await #expect(throws: RPCError.self) {
                    try await c.compliance.call("oms.update_rule", [
                        "rule_id": .string(ruleId), "changes": .object(["version": .number("9")])])
                }
                #expect(unknown?.code == -32602)

                let deleted = try await c.compliance.call("oms.delete_rule", ["rule_id": .string(ruleId)])
                #expect(deleted["active"] == .bool(false) && deleted["version"] == .int(3))
                let inactive = try await c.pm.call("oms.list_rules", ["active": .bool(false)])
                #expect(inactive["rules"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test("rule refusals: roles, parameters naming the field, idempotent create")
    func ruleRefusals() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let denied = await expectCode(.permissionDenied) { _ = try await c.pm.call("oms.create_rule", sdkRule) }
                #expect(denied != nil)
                var bad = sdkRule
                bad["parameters"] = .object(["max_pct": .string("1.5")])
                let pct = await expectCode(.invalidArgument) { _ = try await c.compliance.call("oms.create_rule", bad) }
                #expect(pct?.details["field"] == "parameters.max_pct")
                bad["parameters"] = .object(["max_pct": .string("0.05"), "limit": .number("3")])
                let unknown = await expectCode(.invalidArgument) { _ = try await c.compliance.call("oms.create_rule", bad) }
                #expect(unknown?.details["field"] == "parameters.limit")
                var keyed = sdkRule
                keyed["idempotency_key"] = .string("rule-key-1")
                let first = try await c.admin.call("oms.create_rule", keyed)
                let again = try await c.admin.call("oms.create_rule", keyed)
                #expect(first["rule_id"] == again["rule_id"])
                let all = try await c.compliance.call("oms.list_rules")
                #expect(all["rules"]?.arrayValue?.count == 1)
            }
        }
    }

    @Test("fail_pre_trade_compliance with a severity, rule_name or description of another JSON type is INVALID_PARAMS and writes nothing")
    func violationOfWrongTypeWritesNothing() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                let id = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", id)
                let before = try await dump(server.db)
                for (member, value) in [("severity", JSON.number("5")), ("severity", .bool(true)), ("severity", .object([:])),
                                        ("rule_name", .number("5")), ("description", .bool(false))] {
                    let entry: JSON = .object(["rule_id": .string("R-1"), member: value])
                    do {
                        _ = try await c.compliance.step("oms.fail_pre_trade_compliance", id, ["violations": .array([entry])])
                        Issue.record("a violation with \(member) \(value) was recorded")
                    } catch let error as RPCError {
                        #expect(error.code == -32602 && error.message.hasPrefix("violations[0].\(member) must be"), "\(error)")
                    }
                }
                #expect(try await dump(server.db) == before, "a refused fail_pre_trade_compliance wrote something")
                let failed = try await c.compliance.step("oms.fail_pre_trade_compliance", id, [
                    "violations": .array([.object(["rule_id": .string("R-1"), "severity": .null])])])
                #expect(failed["state"] == .string("PRE_TRADE_COMPLIANCE_FAILED"))
            }
        }
    }

    @Test("check_compliance_what_if answers per proposal and leaves the database byte for byte the same")
    func whatIfLeavesNoTrace() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .string("100")])
                _ = try await c.compliance.call("oms.create_rule", [
                    "rule_type": .string("max_order_quantity"), "parameters": .object(["max_quantity": .number("1000")]),
                    "target_accounts": .array([.string("PORT-001")]), "name": .string("Max 1,000 per order"),
                    "severity": .string("SOFT")])
                _ = try await c.compliance.call("oms.create_rule", sdkRule)
                let order = try await c.pm.createOrder()
                _ = try await c.pm.step("oms.request_pre_trade_compliance", order)

                let before = try await dump(server.db)
                let answer = try await c.pm.call("oms.check_compliance_what_if", [
                    "proposed_orders": .array([proposal("500"), proposal("1500", limit: "10"), proposal("6000")])])
                let after = try await dump(server.db)
                #expect(before == after)
                #expect(before.contains { $0.hasPrefix("order_events: ") })

                let results = try #require(answer["results"]?.arrayValue)
                #expect(results.map { $0["passed"] } == [.bool(true), .bool(true), .bool(false)])
                let soft = try #require(results[1]["violations"]?.arrayValue?.first)
                #expect(soft["severity"] == .string("SOFT") && soft["rule_name"] == .string("Max 1,000 per order"))
                #expect(results[2]["violations"]?.arrayValue?.count == 2)

                let bad = await #expect(throws: RPCError.self) {
                    try await c.pm.call("oms.check_compliance_what_if", [
                        "proposed_orders": .array([.object(["portfolio_id": .string("PORT-001")])])])
                }
                #expect(bad?.data?["field"] == .string("proposed_orders[0].instrument_id"))
            }
        }
    }

    @Test("query_compliance_headroom: exactly headroom / price passes the what-if, one unit more fails")
    func headroomEdge() async throws {
        try await TestServer.with { server in
            try await server.withClients { c in
                _ = try await c.admin.call("market.set_price", ["instrument_id": .string("INS-1"), "price": .string("100")])
                _ = try await c.admin.call("admin.set_position", [
                    "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-1"), "quantity": .number("20000")])
                let created = try await c.compliance.call("oms.create_rule", sdkRule)
                let ruleId = try #require(created["rule_id"]?.stringValue)
                // NAV 10,000,000 + 2,000,000; limit 5% = 600,000; held 2,000,000: in breach.
                let breached = try await c.pm.call("oms.query_compliance_headroom", [
                    "portfolio_id": .string("PORT-001"), "rule_id": .string(ruleId)])
                #expect(breached["current_value"] == .string("2000000") && breached["headroom"] == .string("-1400000"))

                _ = try await c.admin.call("admin.set_position", [
                    "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-1"), "quantity": .number("3200")])
                // NAV 10,320,000; limit 516,000; held 320,000; headroom 196,000 = 1,960 at 100 or 1,568 at 125.
                let headroom = try await c.pm.call("oms.query_compliance_headroom", [
                    "portfolio_id": .string("PORT-001"), "rule_id": .string(ruleId)])
                #expect(headroom["current_value"] == .string("320000") && headroom["limit_value"] == .string("516000"))
                #expect(headroom["headroom"] == .string("196000") && headroom["measured"] == .string("INS-1"))
                let pct = try #require(headroom["headroom_pct"])
                #expect(pct == .number("0.3798449612"))
                let answer = try await c.pm.call("oms.check_compliance_what_if", ["proposed_orders": .array([
                    proposal("1960"), proposal("1961"), proposal("1568", limit: "125"), proposal("1569", limit: "125")])])
                #expect(answer["results"]?.arrayValue?.map { $0["passed"] } == [.bool(true), .bool(false), .bool(true), .bool(false)])

                let limited = try await server.client("pm-p2")
                let denied = await expectCode(.permissionDenied) {
                    _ = try await limited.call("oms.query_compliance_headroom", [
                        "portfolio_id": .string("PORT-001"), "rule_id": .string(ruleId)])
                }
                let deniedWhatIf = await expectCode(.permissionDenied) {
                    _ = try await limited.call("oms.check_compliance_what_if", ["proposed_orders": .array([proposal("1")])])
                }
                #expect(denied != nil && deniedWhatIf != nil)
                let own = try await limited.call("oms.query_compliance_headroom", [
                    "portfolio_id": .string("PORT-002"), "rule_id": .string(ruleId)])
                await limited.close()
                #expect(own["current_value"] == .string("0") && own["limit_value"] == .string("250000"))
                #expect(own["headroom_pct"] == .number("1"))
            }
        }
    }
}
