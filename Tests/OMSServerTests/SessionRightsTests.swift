@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
@testable import OMSServer
import OMSTesting
import Testing

/// Sends one request on a raw connection and returns its answer.
func rawCall(_ connection: RawConnection, _ id: Int, _ method: String, _ params: JSON? = nil) async throws -> JSON? {
    try await connection.roundTrip(RPCRequest(id: .number("\(id)"), method: method, params: params).json.serializedString)
}

/// A raw connection authenticated with `apiKey`.
func rawSession(_ server: TestServer, apiKey: String) async throws -> RawConnection {
    let connection = try await RawConnection(port: server.port)
    let answer = try await rawCall(connection, 0, "session.authenticate", .object(["api_key": .string(apiKey)]))
    #expect(answer?["result"]?["principal_id"] != nil, "authenticate: \(String(describing: answer))")
    return connection
}

/// Calls `oms.list_orders` every 25 ms until it answers UNAUTHENTICATED.
/// Returns when the last call that was still served had been sent (nil if
/// none), measured from the start: the property is that no call sent from
/// one second after the revocation on is served. Send times, not answer
/// times, so a slow machine's latency is not counted against the server.
/// Throws when a call sent after `limit` is still served.
func lastServedCall(_ connection: RawConnection, limit: Duration = .seconds(3)) async throws -> Duration? {
    let clock = ContinuousClock(), start = clock.now
    var id = 1_000
    var lastServed: Duration?
    while true {
        id += 1
        let sent = clock.now - start
        let answer = try await rawCall(connection, id, "oms.list_orders")
        if answer?.errorName == "UNAUTHENTICATED" { return lastServed }
        #expect(answer?["result"] != nil, "\(String(describing: answer))")
        lastServed = sent
        if sent > limit { throw RevocationNotSeen(after: sent) }
        try await Task.sleep(for: .milliseconds(25))
    }
}

struct RevocationNotSeen: Error, CustomStringConvertible {
    var after: Duration
    var description: String { "a call sent \(after) after the revocation was still served" }
}

@Suite("Session rights: authentication before params, revocation reaches live sessions")
struct SessionRightsTests {
    @Test("without a session every method but session.authenticate and rpc.discover answers UNAUTHENTICATED, whatever its params")
    func authenticationBeforeParams() async throws {
        try await TestServer.with { server in
            let c = try await RawConnection(port: server.port)
            let garbage: [JSON?] = [
                nil, .object([:]), .object(["order_id": .number("42"), "no_such_param": .array([.null])]),
                .array([.string("positional")]),
            ]
            var id = 0
            for spec in Catalogue.standard.ordered where !spec.isOpen {
                for params in garbage {
                    id += 1
                    let answer = try await rawCall(c, id, spec.name, params)
                    #expect(answer?.errorName == "UNAUTHENTICATED",
                            "\(spec.name) with \(params?.serializedString ?? "no params"): \(String(describing: answer))")
                }
            }
            #expect(Catalogue.standard.ordered.filter(\.isOpen).map(\.name) == ["session.authenticate", "rpc.discover"])
            // The open methods still check their params, and rpc.discover answers without a principal.
            let discover = try await rawCall(c, id + 1, "rpc.discover")
            #expect(discover?["result"]?["methods"]?.arrayValue?.count == Catalogue.standard.ordered.count)
            #expect(try await rawCall(c, id + 2, "session.authenticate", .object([:]))?.errorCode == -32602)
            await c.close()
        }
    }

    @Test("a session keeps no rights once its API key is revoked: its next call from one second after answers UNAUTHENTICATED")
    func revokedKeyEndsLiveSession() async throws {
        try await TestServer.with { server in
            let admin = try await rawSession(server, apiKey: server.keys["t1/admin"]!)
            let issued = try await rawCall(admin, 1, "admin.create_api_key", .object(["principal_id": .string("pm")]))
            let key = try #require(issued?["result"]?["api_key"]?.stringValue)
            let keyId = try #require(issued?["result"]?["key_id"]?.stringValue)
            let session = try await rawSession(server, apiKey: key)
            let other = try await rawSession(server, apiKey: server.keys["t1/pm"]!)  // the same principal, another key
            #expect(try await rawCall(session, 1, "oms.list_orders")?["result"] != nil)

            let revoked = try await rawCall(admin, 2, "admin.revoke_api_key", .object(["key_id": .string(keyId)]))
            #expect(revoked?["result"]?["ok"] == .bool(true))
            let served = try await lastServedCall(session)
            #expect(served.map { $0 < .seconds(1) } ?? true, "a call sent \(String(describing: served)) after was served")
            // It stays refused, with params or without, and cannot authenticate again with the revoked key.
            #expect(try await rawCall(session, 2, "oms.get_order", .object(["order_id": .string("x")]))?.errorName
                == "UNAUTHENTICATED")
            #expect(try await rawCall(session, 3, "session.authenticate", .object(["api_key": .string(key)]))?.errorName
                == "UNAUTHENTICATED")
            #expect(try await rawCall(other, 1, "oms.list_orders")?["result"] != nil)
            for connection in [admin, session, other] { await connection.close() }
        }
    }

    @Test("a call written in the same packet as session.authenticate runs in the session it opened")
    func pipelinedBehindAuthenticate() async throws {
        try await TestServer.with { server in
            for round in 0..<20 {
                let c = try await RawConnection(port: server.port)
                let login = RPCRequest(id: .number("1"), method: "session.authenticate",
                                       params: .object(["api_key": .string(server.keys["t1/pm"]!)]))
                let list = RPCRequest(id: .number("2"), method: "oms.list_orders", params: nil)
                try await c.send(Array((login.json.serializedString + "\n" + list.json.serializedString + "\n").utf8))
                let first = try await c.receive(), second = try await c.receive()
                #expect(first?["result"]?["role"] == .string("PM"), "round \(round): \(String(describing: first))")
                #expect(second?["result"]?["orders"] != nil, "round \(round): \(String(describing: second))")
                await c.close()
            }
        }
    }

    @Test("admin.disable_principal ends its live sessions within a second and stops its keys; enable_principal restores them")
    func disabledPrincipal() async throws {
        try await TestServer.with { server in
            let admin = try await rawSession(server, apiKey: server.keys["t1/admin"]!)
            let trader = try await rawSession(server, apiKey: server.keys["t1/trader"]!)
            let pm = try await rawSession(server, apiKey: server.keys["t1/pm"]!)
            #expect(try await rawCall(trader, 1, "oms.list_orders")?["result"] != nil)

            let disabled = try await rawCall(admin, 1, "admin.disable_principal", .object(["principal_id": .string("trader")]))
            #expect(disabled?["result"]?["principal_id"] == .string("trader"))
            #expect(disabled?["result"]?["disabled_at"]?.stringValue != nil)
            let served = try await lastServedCall(trader)
            #expect(served.map { $0 < .seconds(1) } ?? true, "a call sent \(String(describing: served)) after was served")
            let again = try await RawConnection(port: server.port)
            let login = try await rawCall(again, 1, "session.authenticate",
                                          .object(["api_key": .string(server.keys["t1/trader"]!)]))
            #expect(login?.errorName == "UNAUTHENTICATED")
            // The row stays; only an Admin disables, and never itself.
            #expect(try await rawCall(pm, 1, "admin.disable_principal", .object(["principal_id": .string("ops")]))?
                .errorName == "PERMISSION_DENIED")
            let selfDisable = try await rawCall(admin, 2, "admin.disable_principal",
                                                .object(["principal_id": .string("admin")]))
            #expect(selfDisable?.errorName == "INVALID_ARGUMENT")
            #expect(try await rawCall(admin, 3, "admin.disable_principal", .object(["principal_id": .string("nobody")]))?
                .errorName == "NOT_FOUND")

            let enabled = try await rawCall(admin, 4, "admin.enable_principal", .object(["principal_id": .string("trader")]))
            #expect(enabled?["result"]?["disabled_at"] == .null)
            let back = try await rawCall(again, 2, "session.authenticate",
                                         .object(["api_key": .string(server.keys["t1/trader"]!)]))
            #expect(back?["result"]?["role"] == .string("Trader"))
            #expect(try await rawCall(again, 3, "oms.list_orders")?["result"] != nil)
            #expect(try await rawCall(pm, 2, "oms.list_orders")?["result"] != nil)
            for connection in [admin, trader, pm, again] { await connection.close() }
        }
    }

    @Test("a subscription stops with its session's rights: after a revocation it ends with oms.subscription_ended UNAUTHENTICATED")
    func subscriptionEndsWithRevocation() async throws {
        try await TestServer.with { server in
            let admin = try await rawSession(server, apiKey: server.keys["t1/admin"]!)
            let issued = try await rawCall(admin, 1, "admin.create_api_key", .object(["principal_id": .string("pm")]))
            let key = try #require(issued?["result"]?["api_key"]?.stringValue)
            let keyId = try #require(issued?["result"]?["key_id"]?.stringValue)
            let subscriber = try await rawSession(server, apiKey: key)
            let subscribed = try await rawCall(subscriber, 1, "oms.subscribe_orders")
            #expect(subscribed?["result"]?["subscription_id"]?.stringValue != nil)
            let pm = try await server.client("pm")
            let before = try await pm.createOrder()
            #expect(try await Self.nextOrderEvent(subscriber)?["order_id"] == .string(before))

            _ = try await rawCall(admin, 2, "admin.revoke_api_key", .object(["key_id": .string(keyId)]))
            try await Task.sleep(for: .milliseconds(600))
            let after = try await pm.createOrder()
            var ended: JSON?
            while let line = try await subscriber.receive(within: eventDelivery) {
                #expect(line["params"]?["event"]?["order_id"] != .string(after), "delivered after the revocation")
                if line["method"] == .string("oms.subscription_ended") { ended = line; break }
            }
            #expect(ended?["params"]?["reason"] == .string("UNAUTHENTICATED"))
            #expect(ended?["params"]?["subscription_id"] == subscribed?["result"]?["subscription_id"])
            await pm.close()
            for connection in [admin, subscriber] { await connection.close() }
        }
    }

    /// The event of the next `oms.order_event` notification on `connection`.
    static func nextOrderEvent(_ connection: RawConnection) async throws -> JSON? {
        while let line = try await connection.receive(within: eventDelivery) {
            if line["method"] == .string("oms.order_event") { return line["params"]?["event"] }
        }
        return nil
    }
}
