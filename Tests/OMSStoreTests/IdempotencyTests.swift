import Foundation
import OMSCore
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

@Suite("Idempotency, duplicates and immutability")
struct IdempotencyTests {
    @Test("reference-data creates commit their idempotency key in their own transaction", arguments: ["principal", "portfolio", "account", "instrument"])
    func referenceDataClaimsKeyAtomically(_ kind: String) async throws {
        try await TestDatabase.with { db in
            let key = "ref-\(kind)"
            // The call as the dispatcher runs it with an idempotency_key, but the
            // answer is never written afterwards (the sidecar died after COMMIT).
            let claim = IdempotencyClaim(key: key, method: "admin.create_\(kind)", actor: admin)
            try await IdempotencyClaim.$current.withValue(claim) {
                switch kind {
                case "principal": _ = try await db.reference.createPrincipal(PrincipalRecord(principalId: "p-new", role: .pm), actor: admin)
                case "portfolio": _ = try await db.reference.createPortfolio(Portfolio(portfolioId: "PORT-NEW", name: "n"), actor: admin)
                case "account": _ = try await db.reference.createAccount(Account(accountId: "ACCT-NEW", portfolioId: "PORT-001"), actor: admin)
                default: _ = try await db.reference.createInstrument(Instrument(instrumentId: "INS-NEW", symbol: "NEW"), actor: admin)
                }
            }
            #expect(claim.isCommitted, "the key was not committed with the \(kind)")
            let rows = try await db.owner.query(
                "SELECT result::text FROM idempotency_keys WHERE tenant_id = 't1' AND idempotency_key = \(key)")
            #expect(try rows.map { try $0.decode(String.self) } == [IdempotencyStore.pending])
        }
    }

    @Test("a key stored before request digests (migration 0012) matches its method with any params; a digest must match")
    func legacyKeysMatchOnMethod() async throws {
        try await TestDatabase.with { db in
            let store = IdempotencyStore(database: db.database)
            _ = try await db.owner.query("""
                INSERT INTO idempotency_keys (tenant_id, idempotency_key, method, principal_id, result)
                VALUES ('t1', 'legacy', 'oms.update_order', 'pm', '{"order_id":"O-1"}')
                """)
            let digest = IdempotencyStore.digest(method: "oms.update_order", canonicalParams: #"{"order_id":"O-2"}"#)
            let answer = try await store.answer(for: "legacy", method: "oms.update_order", digest: digest, tenantId: "t1")
            #expect(answer == #"{"order_id": "O-1"}"#)
            let other = await #expect(throws: OMSError.self) {
                _ = try await store.answer(for: "legacy", method: "oms.cancel_order", digest: digest, tenantId: "t1")
            }
            #expect(other?.code == .idempotencyKeyReused)

            let first = IdempotencyStore.digest(method: "oms.update_order", canonicalParams: #"{"order_id":"O-1"}"#)
            _ = try await store.record(#"{"ok":true}"#, for: "fresh", method: "oms.update_order", digest: first, actor: pm)
            #expect(try await store.answer(for: "fresh", method: "oms.update_order", digest: first, tenantId: "t1")
                == #"{"ok": true}"#)
            let reused = await #expect(throws: OMSError.self) {
                _ = try await store.record(#"{"ok":false}"#, for: "fresh", method: "oms.update_order", digest: digest, actor: pm)
            }
            #expect(reused?.code == .idempotencyKeyReused)
        }
    }

    @Test("a repeated fill exec_id returns the first answer and changes nothing")
    func fillIdempotent() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .routed)
            let first = try await db.orders.recordFill(orderId: order.orderId, execId: "EX-42", quantity: 300, price: 10,
                                                       actor: system)
            _ = try await db.orders.recordFill(orderId: order.orderId, execId: "EX-43", quantity: 100, price: 10,
                                               actor: system)
            let repeated = try await db.orders.recordFill(orderId: order.orderId, execId: "EX-42", quantity: 300,
                                                          price: 10, actor: system)
            let stored = try await db.orders.getOrder(order.orderId, actor: admin)
            #expect(repeated.executedQuantity == 300)
            #expect(repeated.version == first.version)
            #expect(stored.executedQuantity == 400)
            #expect(try await db.eventCount(order.orderId) == stored.version)

            let other = try await db.order(in: .routed)
            let reused = await #expect(throws: OMSError.self) {
                try await db.orders.recordFill(orderId: other.orderId, execId: "EX-42", quantity: 1, price: 1, actor: system)
            }
            #expect(reused?.code == .duplicateFill)
        }
    }

    @Test("a fill past the ordered quantity is OVERFILL and records nothing")
    func overfill() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .partiallyFilled)
            let error = await #expect(throws: OMSError.self) {
                try await db.orders.recordFill(orderId: order.orderId, execId: "EX-big", quantity: 901, price: 1, actor: trader)
            }
            #expect(error?.code == .overfill)
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
            let closed = try await db.order(in: .closed)
            let late = await #expect(throws: OMSError.self) {
                try await db.orders.recordFill(orderId: closed.orderId, execId: "EX-late", quantity: 1, price: 1, actor: trader)
            }
            #expect(late?.code == .invalidState)
            let fills = try await db.owner.query(
                "SELECT count(*) FROM fills WHERE exec_id IN ('EX-big', 'EX-late')")
            #expect(try fills.first?.decode(Int.self) == 0)
        }
    }

    @Test("a fill naming an unknown placement is PLACEMENT_NOT_FOUND, and a refused fill's exec_id stays free")
    func unknownPlacement() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .routed)
            let unknown = await #expect(throws: OMSError.self) {
                try await db.orders.recordFill(orderId: order.orderId, execId: "EX-np", quantity: 1, price: 1,
                                               placementId: "PLC-none", actor: trader)
            }
            #expect(unknown?.code == .placementNotFound)
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
            // The exec_id claimed by the refused attempt was rolled back: the same id records now.
            let recorded = try await db.orders.recordFill(orderId: order.orderId, execId: "EX-np", quantity: 1, price: 1,
                                                          actor: trader)
            #expect(recorded.executedQuantity == 1)
            #expect(recorded.version == order.version + 1)
        }
    }

    @Test("create_order with the same idempotency_key returns the first order")
    func idempotencyKey() async throws {
        try await TestDatabase.with { db in
            let first = try await db.orders.createOrder(limitOrder(), actor: pm, idempotencyKey: "idem-1")
            let again = try await db.orders.createOrder(limitOrder(5), actor: pm, idempotencyKey: "idem-1")
            #expect(again.orderId == first.orderId)
            #expect(again.orderedQuantity == 1000)
            let all = try await db.orders.listOrders(OrderFilter(), actor: pm)
            #expect(all.count == 1)
        }
    }

    @Test("a repeated client_order_id is DUPLICATE_ORDER; unknown references are named")
    func duplicatesAndReferences() async throws {
        try await TestDatabase.with { db in
            _ = try await db.orders.createOrder(limitOrder(clientOrderId: "C-1"), actor: pm)
            let duplicate = await #expect(throws: OMSError.self) {
                try await db.orders.createOrder(limitOrder(clientOrderId: "C-1"), actor: pm)
            }
            #expect(duplicate?.code == .duplicateOrder)
            var badPortfolio = limitOrder()
            badPortfolio.portfolioId = "PORT-404"
            let portfolio = await #expect(throws: OMSError.self) { try await db.orders.createOrder(badPortfolio, actor: pm) }
            #expect(portfolio?.code == .invalidPortfolio)
            var badInstrument = limitOrder()
            badInstrument.instrumentId = "INS-404"
            let instrument = await #expect(throws: OMSError.self) { try await db.orders.createOrder(badInstrument, actor: pm) }
            #expect(instrument?.code == .invalidInstrument)
            let notPM = await #expect(throws: OMSError.self) { try await db.orders.createOrder(limitOrder(), actor: trader) }
            #expect(notPM?.code == .permissionDenied)
            #expect(try await db.orders.listOrders(OrderFilter(), actor: pm).count == 1)
        }
    }

    @Test("order_events refuses UPDATE, DELETE and TRUNCATE")
    func eventsAreAppendOnly() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .created)
            for sql in ["UPDATE order_events SET command = 'x'", "DELETE FROM order_events", "TRUNCATE order_events CASCADE"] {
                let error = await #expect(throws: PostgresError.self) {
                    try await db.owner.query(SQL(stringLiteral: sql))
                }
                #expect(error?.message.contains("append-only") == true, "\(sql)")
            }
            #expect(try await db.eventCount(order.orderId) == 1)
        }
    }

    @Test("the database refuses a state outside the 18 and executed above ordered")
    func databaseBacksInvariants() async throws {
        try await TestDatabase.with { db in
            let order = try await db.order(in: .created)
            for sql in ["UPDATE orders SET state = 'LOST'", "UPDATE orders SET executed_quantity = ordered_quantity + 1",
                        "UPDATE orders SET ordered_quantity = 0"] {
                let error = await #expect(throws: PostgresError.self) {
                    try await db.owner.query(SQL(stringLiteral: sql))
                }
                #expect(error?.sqlState == "23514", "\(sql)")
            }
            #expect(try await db.orders.getOrder(order.orderId, actor: admin) == order)
        }
    }
}
