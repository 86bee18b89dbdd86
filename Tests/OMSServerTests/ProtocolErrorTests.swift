@testable import OMSServerTestSupport
import Foundation
import OMSProtocol
import OMSTesting
import Testing

@Suite("Protocol errors and framing")
struct ProtocolErrorTests {
    func authenticated(_ server: TestServer, as principal: String = "pm") async throws -> RawConnection {
        let connection = try await RawConnection(port: server.port)
        let key = server.keys["t1/\(principal)"]!
        let answer = try await connection.roundTrip(
            #"{"jsonrpc":"2.0","id":0,"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#)
        #expect(answer?["result"]?["role"] != nil)
        return connection
    }

    @Test("malformed, non-object, unknown and badly-typed requests get their JSON-RPC codes")
    func badRequests() async throws {
        try await TestServer.with { server in
            let c = try await authenticated(server)
            #expect(try await c.roundTrip("{not json")?.errorCode == -32700)
            #expect(try await c.roundTrip("42")?.errorCode == -32600)
            #expect(try await c.roundTrip("[]")?.errorCode == -32600)
            #expect(try await c.roundTrip(#"{"id":1,"method":"oms.get_order"}"#)?.errorCode == -32600)
            let unknown = try await c.roundTrip(#"{"jsonrpc":"2.0","id":2,"method":"oms.fly"}"#)
            #expect(unknown?.errorCode == -32601)
            #expect(unknown?["id"] == .number("2"))
            let missing = try await c.roundTrip(#"{"jsonrpc":"2.0","id":"m","method":"oms.get_order","params":{}}"#)
            #expect(missing?.errorCode == -32602)
            #expect(missing?["error"]?["data"]?["field"] == .string("order_id"))
            #expect(missing?["id"] == .string("m"))
            let wrongType = try await c.roundTrip(
                #"{"jsonrpc":"2.0","id":3,"method":"oms.list_orders","params":{"limit":"ten"}}"#)
            #expect(wrongType?["error"]?["data"]?["field"] == .string("limit"))
            let badDecimal = try await c.roundTrip(#"""
                {"jsonrpc":"2.0","id":4,"method":"oms.create_order","params":{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":"lots","order_type":"Market","time_in_force":"Day"}}
                """#)
            #expect(badDecimal?["error"]?["data"]?["field"] == .string("ordered_quantity"))
            let unknownParam = try await c.roundTrip(
                #"{"jsonrpc":"2.0","id":5,"method":"oms.get_order","params":{"order_id":"x","orderid":"y"}}"#)
            #expect(unknownParam?["error"]?["data"]?["field"] == .string("orderid"))
            // Invalid UTF-8 inside a string is a parse error, and the connection keeps working.
            try await c.send([UInt8](#"{"jsonrpc":"2.0","id":6,"method":"#.utf8) + [0xC3, 0x28] + [UInt8]("\"}\n".utf8))
            #expect(try await c.receive()?.errorCode == -32700)
            let after = try await c.roundTrip(#"{"jsonrpc":"2.0","id":7,"method":"oms.list_orders"}"#)
            #expect(after?["result"]?["orders"] != nil)
            await c.close()
        }
    }

    @Test("every method but authenticate and discover needs a session; a revoked key fails")
    func authentication() async throws {
        try await TestServer.with { server in
            let c = try await RawConnection(port: server.port)
            let refused = try await c.roundTrip(#"{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"}"#)
            #expect(refused?.errorName == "UNAUTHENTICATED")
            let discover = try await c.roundTrip(#"{"jsonrpc":"2.0","id":2,"method":"rpc.discover"}"#)
            let methods = discover?["result"]?["methods"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            for name in ["oms.create_order", "oms.list_orders", "ems.record_fill", "admin.create_api_key",
                         "market.set_price", "session.authenticate"] {
                #expect(methods.contains(name), "\(name) missing from rpc.discover")
            }
            let bad = try await c.roundTrip(
                #"{"jsonrpc":"2.0","id":3,"method":"session.authenticate","params":{"api_key":"omsk.t1.K0.bad"}}"#)
            #expect(bad?.errorName == "UNAUTHENTICATED")
            await c.close()

            let admin = try await authenticated(server, as: "admin")
            let issued = try await admin.roundTrip(
                #"{"jsonrpc":"2.0","id":1,"method":"admin.create_api_key","params":{"principal_id":"ops"}}"#)
            let key = try #require(issued?["result"]?["api_key"]?.stringValue)
            let keyId = try #require(issued?["result"]?["key_id"]?.stringValue)
            _ = try await admin.roundTrip(
                #"{"jsonrpc":"2.0","id":2,"method":"admin.revoke_api_key","params":{"key_id":"\#(keyId)"}}"#)
            let revoked = try await admin.roundTrip(
                #"{"jsonrpc":"2.0","id":3,"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#)
            #expect(revoked?.errorName == "UNAUTHENTICATED")
            await admin.close()
        }
    }

    @Test("batches answer each call in one array; notifications get no answer")
    func batchesAndNotifications() async throws {
        try await TestServer.with { server in
            let c = try await authenticated(server)
            try await c.send(#"{"jsonrpc":"2.0","method":"oms.list_orders"}"#)
            let batch = try await c.roundTrip("""
                [{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"},{"jsonrpc":"2.0","method":"oms.list_orders"},\
                {"jsonrpc":"2.0","id":2,"method":"nope"},7]
                """)
            let items = try #require(batch?.arrayValue)
            #expect(items.count == 3)
            #expect(items.contains { $0["id"] == .number("1") && $0["result"] != nil })
            #expect(items.contains { $0["id"] == .number("2") && $0.errorCode == -32601 })
            #expect(items.contains { $0["id"] == .null && $0.errorCode == -32600 })
            // The notification before the batch produced nothing: the next answer is this one.
            let next = try await c.roundTrip(#"{"jsonrpc":"2.0","id":"after","method":"oms.list_orders"}"#)
            #expect(next?["id"] == .string("after"))
            await c.close()
        }
    }

    @Test("an over-long line is answered with an error and the connection closed; others are unaffected")
    func overLongLine() async throws {
        try await TestServer.with(configuration: .init(maximumLineLength: 4096)) { server in
            let bystander = try await authenticated(server)
            let c = try await authenticated(server)
            try await c.send(String(repeating: "x", count: 10_000))
            let answer = try await c.receive()
            #expect(answer?.errorCode == -32600)
            #expect(try await c.receive() == nil)
            let fine = try await bystander.roundTrip(#"{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"}"#)
            #expect(fine?["result"] != nil)
            await c.close()
            await bystander.close()
        }
    }

    @Test("a client that disconnects mid-request does not disturb the server")
    func disconnectMidRequest() async throws {
        try await TestServer.with { server in
            for _ in 0..<20 {
                let c = try await authenticated(server)
                try await c.send(#"{"jsonrpc":"2.0","id":1,"method":"oms.create_order","params":{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":1,"order_type":"Market","time_in_force":"Day"}}"#)
                try await c.send(#"{"jsonrpc":"2.0","id":2,"method":"oms.list_ord"#)  // half a line
                await c.close()
            }
            let c = try await authenticated(server)
            let listed = try await c.roundTrip(#"{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"}"#)
            #expect((listed?["result"]?["orders"]?.arrayValue?.count ?? 0) <= 20)
            await c.close()
        }
    }

    @Test("1,000 pipelined lines are each answered exactly once")
    func rawPipelining() async throws {
        try await TestServer.with { server in
            let c = try await authenticated(server)
            var payload: [UInt8] = []
            for i in 1...1000 { payload += Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"oms.list_orders","params":{"limit":1}}"#.utf8) + [10] }
            try await c.send(payload)
            var seen: [Int: Int] = [:]
            for _ in 1...1000 {
                let answer = try #require(try await c.receive())
                #expect(answer["result"] != nil)
                seen[answer["id"]?.intValue ?? -1, default: 0] += 1
            }
            #expect(seen.count == 1000)
            #expect(seen.values.allSatisfy { $0 == 1 })
            #expect(Set(seen.keys) == Set(1...1000))
            await c.close()
        }
    }
}
