@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
@testable import OMSStore
import OMSTesting
import OMSPostgres
import Testing

/// Strings and ids a hostile or careless client sends (NUL, look-alike and
/// control characters, id null, values only the schema refuses): each is
/// refused at the edge with a stable code and changes nothing.
@Suite("Hostile strings and ids")
struct HostileInputTests {
    /// One authenticated raw connection per role, numbering its requests.
    final class Caller: Sendable {
        let connection: RawConnection
        init(_ server: TestServer, as principal: String) async throws {
            connection = try await RawConnection(port: server.port)
            let key = server.keys["t1/\(principal)"]!
            let answer = try await connection.roundTrip(
                #"{"jsonrpc":"2.0","id":0,"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#)
            #expect(answer?["result"]?["role"] != nil)
        }

        func call(_ method: String, _ params: String) async throws -> JSON {
            let line = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#
            return try #require(try await connection.roundTrip(line))
        }
    }

    static let instrument = "INS-1"

    static func createOrder(_ pm: Caller, extra: String = "") async throws -> String {
        let answer = try await pm.call("oms.create_order", #"""
            {"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"100",
             "order_type":"Market","time_in_force":"Day"\#(extra)}
            """#.replacingOccurrences(of: "\n", with: ""))
        return try #require(answer["result"]?["order_id"]?.stringValue, "\(answer)")
    }

    /// Rows and versions a refused call must leave alone.
    static func fingerprint(_ db: TestDatabase) async throws -> String {
        // The owner pool logs in as the test cluster's superuser: it sees every tenant's rows.
        let rows = try await db.owner.query("""
            SELECT (SELECT count(*) FROM orders)::text || '/' || (SELECT coalesce(sum(version), 0) FROM orders)::text
                || '/' || (SELECT count(*) FROM order_events)::text || '/' || (SELECT count(*) FROM portfolios)::text
                || '/' || (SELECT count(*) FROM principals)::text || '/' || (SELECT count(*) FROM baskets)::text
                || '/' || (SELECT count(*) FROM idempotency_keys)::text || '/' || (SELECT count(*) FROM fills)::text
            """)
        return try rows.first?.decode(String.self) ?? ""
    }

    @Test("NUL in any string, id, filter, metadata key or value, key or reason is INVALID_ARGUMENT naming the field")
    func nulEverywhere() async throws {
        try await TestServer.with { server in
            let pm = try await Caller(server, as: "pm")
            let trader = try await Caller(server, as: "trader")
            let admin = try await Caller(server, as: "admin")
            let orderId = try await Self.createOrder(pm)
            let nul = #""A\u0000B""#
            let cases: [(Caller, String, String, String)] = [
                (pm, "oms.get_order", #"{"order_id":\#(nul)}"#, "order_id"),
                (pm, "oms.list_orders", #"{"portfolio_id":\#(nul)}"#, "portfolio_id"),
                (pm, "oms.list_orders", #"{"instrument_id":\#(nul)}"#, "instrument_id"),
                (pm, "oms.create_order", #"{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"1","order_type":"Market","time_in_force":"Day","client_order_id":\#(nul)}"#, "client_order_id"),
                (pm, "oms.create_order", #"{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"1","order_type":"Market","time_in_force":"Day","metadata":{"desk":\#(nul)}}"#, "metadata.desk"),
                (pm, "oms.create_order", #"{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"1","order_type":"Market","time_in_force":"Day","metadata":{"a\u0000b":1}}"#, "metadata"),
                (pm, "oms.update_order", #"{"order_id":"\#(orderId)","changes":{"metadata":{"n":[\#(nul)]}}}"#, "changes.metadata.n[0]"),
                (pm, "oms.update_order", #"{"order_id":"\#(orderId)","changes":{"counterparty_id":"CP-1"},"idempotency_key":\#(nul)}"#, "idempotency_key"),
                (pm, "oms.cancel_order", #"{"order_id":"\#(orderId)","reason":\#(nul)}"#, "reason"),
                (trader, "ems.record_fill", #"{"order_id":"\#(orderId)","exec_id":\#(nul),"quantity":"1","price":"1"}"#, "exec_id"),
                (admin, "admin.create_portfolio", #"{"portfolio_id":"PORT-9","name":\#(nul)}"#, "name"),
                (admin, "admin.create_principal", #"{"principal_id":"p9","role":"PM","display_name":\#(nul)}"#, "display_name"),
                (pm, "oms.create_basket", #"{"name":"b","order_ids":["\#(orderId)",\#(nul)]}"#, "order_ids[1]"),
                (pm, "oms.check_compliance_what_if", #"{"proposed_orders":[{"portfolio_id":\#(nul),"instrument_id":"INS-1","direction":"Buy","ordered_quantity":"1"}]}"#, "proposed_orders[0].portfolio_id"),
                (pm, "session.authenticate", #"{"api_key":\#(nul)}"#, "api_key"),
            ]
            let before = try await Self.fingerprint(server.db)
            for (caller, method, params, field) in cases {
                let answer = try await caller.call(method, params)
                #expect(answer.errorName == "INVALID_ARGUMENT", "\(method) \(field): \(answer)")
                #expect(answer["error"]?["data"]?["field"] == .string(field), "\(method): \(answer)")
            }
            #expect(try await Self.fingerprint(server.db) == before, "a refused call wrote something")
            // The connections still work.
            #expect(try await pm.call("oms.get_order", #"{"order_id":"\#(orderId)"}"#)["result"]?["state"] == .string("CREATED"))
            for caller in [pm, trader, admin] { await caller.connection.close() }
        }
    }

    @Test("identifiers with zero-width, bidirectional, control or non-ASCII characters are refused; text may be any language")
    func lookAlikeIdentifiers() async throws {
        try await TestServer.with { server in
            let admin = try await Caller(server, as: "admin")
            let pm = try await Caller(server, as: "pm")
            let before = try await Self.fingerprint(server.db)
            for id in [#"PORT-001\u200b"#, #"PORT\u202e100-"#, #"PORT-\u0661"#, #"PORT 001"#, #"PORT-001\u00a0"#,
                       #"P\u0007"#, #"Pоrt"#, String(repeating: "P", count: 129), ""] {
                let portfolio = try await admin.call("admin.create_portfolio", #"{"portfolio_id":"\#(id)","name":"x"}"#)
                #expect(portfolio.errorName == "INVALID_ARGUMENT", "\(id): \(portfolio)")
                #expect(portfolio["error"]?["data"]?["field"] == .string("portfolio_id"))
                let order = try await pm.call("oms.create_order", #"""
                    {"portfolio_id":"\#(id)","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"1","order_type":"Market","time_in_force":"Day"}
                    """#)
                #expect(order.errorName == "INVALID_ARGUMENT", "\(id): \(order)")
            }
            let bidiName = try await admin.call("admin.create_portfolio", #"{"portfolio_id":"PORT-7","name":"Gro\u202ewth"}"#)
            #expect(bidiName.errorName == "INVALID_ARGUMENT")
            #expect(bidiName["error"]?["data"]?["field"] == .string("name"))
            #expect(try await Self.fingerprint(server.db) == before, "a refused call wrote something")
            // Free text in any script is fine; so is every visible ASCII character in an id.
            let created = try await admin.call("admin.create_portfolio",
                                               #"{"portfolio_id":"PORT_7.a:b/c@d+e#f","name":"Croissance — 成長 ✓"}"#)
            #expect(created["result"]?["name"] == .string("Croissance — 成長 ✓"), "\(created)")
            await admin.connection.close()
            await pm.connection.close()
        }
    }

    @Test("a request with id null is answered with id null")
    func nullID() async throws {
        try await TestServer.with { server in
            let pm = try await Caller(server, as: "pm")
            let answer = try #require(try await pm.connection.roundTrip(
                #"{"jsonrpc":"2.0","id":null,"method":"oms.list_orders","params":{"limit":1}}"#))
            #expect(answer["id"] == .null)
            #expect(answer["result"]?["orders"] != nil, "\(answer)")
            let refused = try #require(try await pm.connection.roundTrip(
                #"{"jsonrpc":"2.0","id":null,"method":"oms.get_order","params":{"order_id":"ORD-none"}}"#))
            #expect(refused["id"] == .null)
            #expect(refused.errorName == "ORDER_NOT_FOUND")
            await pm.connection.close()
        }
    }

    @Test("over the wire, a value only the schema refuses (a 201-character rule name) is INVALID_ARGUMENT naming its column")
    func schemaRefusalOverTheWire() async throws {
        try await TestServer.with { server in
            let compliance = try await Caller(server, as: "compliance")
            let before = try await Self.fingerprint(server.db)
            // Free text may be 4096 characters at the edge; the rules table keeps names to 200 (a CHECK).
            let answer = try await compliance.call("oms.create_rule", #"""
                {"rule_type":"max_order_quantity","parameters":{"max_quantity":"10"},"target_accounts":["PORT-001"],"name":"\#(String(repeating: "n", count: 201))"}
                """#)
            #expect(answer.errorName == "INVALID_ARGUMENT", "\(answer)")
            #expect(answer["error"]?["data"]?["field"] == .string("name"), "\(answer)")
            #expect(try await Self.fingerprint(server.db) == before, "a refused call wrote something")
            await compliance.connection.close()
        }
    }

    @Test("a value PostgreSQL refuses past the edge maps to INVALID_ARGUMENT with its column, never INTERNAL")
    func constraintBackstop() async throws {
        try await TestDatabase.with { db in
            let nul = "a\u{0}b"
            let attempts: [(SQL, String)] = [
                ("INSERT INTO portfolios (tenant_id, portfolio_id, name) VALUES ('t1', 'P-X', \(nul))", "unknown"),
                ("INSERT INTO portfolios (tenant_id, portfolio_id, name) VALUES ('t1', 'P-Y', NULL)", "name"),
                ("INSERT INTO accounts (tenant_id, account_id, portfolio_id) VALUES ('t1', 'A-Z', 'PORT-NONE')", "portfolio_id"),
            ]
            for (query, field) in attempts {
                do {
                    _ = try await db.owner.query(query)
                    Issue.record("\(query.text) was accepted")
                } catch {
                    let refusal = try #require(ClientValueFault.omsError(from: error), "\(String(reflecting: error))")
                    #expect(refusal.code == .invalidArgument)
                    #expect(refusal.details["field"] == field, "\(refusal)")
                }
            }
            #expect(ClientValueFault.field(column: nil, constraint: "fills_quantity_check", table: "fills") == "quantity")
        }
    }
}
