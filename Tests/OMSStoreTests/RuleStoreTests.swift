import Foundation
import OMSCore
import OMSStore
import OMSTesting
import OMSPostgres
import Testing

private let concentration = NewRule(
    ruleType: .concentrationLimit, parameters: RuleParameters(maxPct: Decimal(string: "0.05")!, scope: "single_name"),
    targetAccounts: ["PORT-001", "PORT-002"], deploymentId: "DEP-7")

extension TestDatabase {
    var rules: RuleStore { RuleStore(database: database) }
    var snapshots: ComplianceSnapshotStore { ComplianceSnapshotStore(database: database) }

    /// An order that passed pre-trade and went to the trader; with `fill`, placed
    /// and filled that much at `price`; with `close`, then closed (no longer working).
    func sentOrder(_ draft: NewOrder, fill: ExactDecimal? = nil, price: ExactDecimal = 150, close: Bool = false) async throws -> Order {
        let id = try await orders.createOrder(draft, actor: pm).orderId
        for (command, actor) in [(OrderCommand.requestPreTradeCompliance, pm), (.passPreTradeCompliance, compliance),
                                 (.sendToTrader, pm)] {
            _ = try await orders.transition(command, orderId: id, actor: actor)
        }
        if let fill {
            _ = try await orders.createPlacement(orderId: id, venue: "XNYS", quantity: draft.orderedQuantity, actor: trader)
            _ = try await orders.recordFill(orderId: id, execId: "E-\(UUID().uuidString)", quantity: fill, price: price,
                                            actor: trader)
        }
        if close { _ = try await orders.transition(.closeOrder, orderId: id, actor: trader) }
        return try await orders.getOrder(id, actor: admin)
    }
}

private func order(_ direction: Direction, _ quantity: ExactDecimal, _ instrument: String = "INS-1") -> NewOrder {
    NewOrder(portfolioId: "PORT-001", instrumentId: instrument, direction: direction, orderType: .market,
             timeInForce: .day, orderedQuantity: quantity)
}

@Suite("Compliance rules in the store")
struct RuleStoreTests {
    @Test("create, update and soft delete each write a version; history holds every snapshot")
    func lifecycleAndHistory() async throws {
        try await TestDatabase.with { db in
            let created = try await db.rules.create(concentration, actor: compliance)
            #expect(created.version == 1 && created.active && created.createdBy == "compliance")
            #expect(created.definition == .concentrationLimit(maxPct: Decimal(string: "0.05")!, scope: .singleName))
            #expect(try await db.rules.get(created.ruleId, actor: pm) == created)

            let updated = try await db.rules.update(
                created.ruleId, changes: RuleChanges(parameters: RuleParameters(maxPct: 0.1), name: "Max 10% single name"),
                actor: compliance)
            #expect(updated.version == 2 && updated.name == "Max 10% single name" && updated.createdAt == created.createdAt)
            #expect(updated.definition == .concentrationLimit(maxPct: 0.1, scope: .singleName))
            let deleted = try await db.rules.delete(created.ruleId, actor: admin)
            #expect(!deleted.active && deleted.version == 3)
            #expect(try await db.rules.delete(created.ruleId, actor: compliance) == deleted)  // already inactive: no version
            #expect(try await db.rules.get(created.ruleId, actor: compliance) == deleted)       // record kept

            let history = try await db.rules.history(created.ruleId, actor: pm)
            #expect(history.map(\.version) == [1, 2, 3])
            #expect(history.map(\.change) == [.created, .updated, .deleted])
            #expect(history.map(\.rule) == [created, updated, deleted])
            #expect(history.map(\.changedBy) == ["compliance", "compliance", "admin"])
            let rewrite = await #expect(throws: PostgresError.self) {
                try await db.owner.query("UPDATE rule_versions SET change = 'UPDATED'")
            }
            #expect(rewrite != nil)
        }
    }

    @Test("an update naming rule_id, deployment_id, created_by or created_at is FIELD_LOCKED and changes nothing")
    func immutableFields() async throws {
        try await TestDatabase.with { db in
            let rule = try await db.rules.create(concentration, actor: compliance)
            for field in ComplianceRule.immutableFields {
                let error = await #expect(throws: OMSError.self) {
                    try await db.rules.update(rule.ruleId, changes: RuleChanges(active: false, immutableFieldsNamed: [field]),
                                              actor: compliance)
                }
                #expect(error?.code == .fieldLocked && error?.details["fields"] == field)
            }
            #expect(try await db.rules.get(rule.ruleId, actor: pm) == rule)
            #expect(try await db.rules.history(rule.ruleId, actor: pm).count == 1)
            // The database holds it too.
            let direct = await #expect(throws: PostgresError.self) {
                try await db.owner.query("UPDATE rules SET created_by = 'someone-else'")
            }
            #expect(direct != nil)
        }
    }

    @Test("bad parameters are INVALID_ARGUMENT naming the field; unknown targets INVALID_PORTFOLIO; nothing is written")
    func validation() async throws {
        try await TestDatabase.with { db in
            var bad = concentration
            bad.parameters.maxPct = 2
            let pct = await #expect(throws: OMSError.self) { try await db.rules.create(bad, actor: compliance) }
            #expect(pct?.code == .invalidArgument && pct?.details["field"] == "parameters.max_pct")
            bad = NewRule(ruleType: .maxOrderNotional, parameters: RuleParameters(maxQuantity: 5), targetAccounts: ["PORT-001"])
            let extra = await #expect(throws: OMSError.self) { try await db.rules.create(bad, actor: compliance) }
            #expect(extra?.details["field"] == "parameters.max_quantity")
            bad = concentration
            bad.targetAccounts = ["PORT-001", "PORT-404"]
            let unknown = await #expect(throws: OMSError.self) { try await db.rules.create(bad, actor: compliance) }
            #expect(unknown?.code == .invalidPortfolio && unknown?.details["portfolio_id"] == "PORT-404")
            let rule = try await db.rules.create(concentration, actor: compliance)
            let retarget = await #expect(throws: OMSError.self) {
                try await db.rules.update(rule.ruleId, changes: RuleChanges(targetAccounts: ["PORT-404"]), actor: compliance)
            }
            #expect(retarget?.code == .invalidPortfolio)
            #expect(try await db.rules.list(RuleFilter(), actor: compliance) == [rule])
            let missing = await #expect(throws: OMSError.self) {
                try await db.rules.update("RULE-nope", changes: RuleChanges(active: false), actor: compliance)
            }
            #expect(missing?.code == .notFound)
        }
    }

    @Test("Compliance and Admin write, every role reads; tenants and portfolio limits scope what is seen")
    func rolesAndEntitlements() async throws {
        try await TestDatabase.with { db in
            for actor in [pm, trader, ops, system] {
                let error = await #expect(throws: OMSError.self) { try await db.rules.create(concentration, actor: actor) }
                #expect(error?.code == .permissionDenied)
            }
            let both = try await db.rules.create(concentration, actor: compliance)
            var onlyFirst = concentration
            onlyFirst.targetAccounts = ["PORT-001"]
            onlyFirst.ruleType = .noShortSales
            onlyFirst.parameters = RuleParameters()
            let first = try await db.rules.create(onlyFirst, actor: admin)
            #expect(try await db.rules.list(RuleFilter(), actor: ops).map(\.ruleId) == [both.ruleId, first.ruleId])
            #expect(try await db.rules.list(RuleFilter(), actor: TestDatabase.restrictedPM).map(\.ruleId) == [both.ruleId])
            let outsider = TestDatabase.principal(.compliance, tenant: TestDatabase.otherTenant)
            #expect(try await db.rules.list(RuleFilter(), actor: outsider).isEmpty)
            let hidden = await #expect(throws: OMSError.self) { try await db.rules.get(both.ruleId, actor: outsider) }
            #expect(hidden?.code == .notFound)

            let limited = Principal(tenantId: "t1", principalId: "compliance", role: .compliance, portfolioIds: ["PORT-002"])
            let shared = await #expect(throws: OMSError.self) { try await db.rules.delete(both.ruleId, actor: limited) }
            #expect(shared?.code == .permissionDenied)
            let unseen = await #expect(throws: OMSError.self) { try await db.rules.delete(first.ruleId, actor: limited) }
            #expect(unseen?.code == .notFound)
            let create = await #expect(throws: OMSError.self) { try await db.rules.create(concentration, actor: limited) }
            #expect(create?.code == .permissionDenied)
        }
    }

    @Test("list_rules filters by portfolio, rule type and active")
    func listFilters() async throws {
        try await TestDatabase.with { db in
            let both = try await db.rules.create(concentration, actor: compliance)
            let second = try await db.rules.create(
                NewRule(ruleType: .maxOrderQuantity, parameters: RuleParameters(maxQuantity: 100), targetAccounts: ["PORT-002"],
                        severity: .soft),
                actor: compliance)
            _ = try await db.rules.delete(second.ruleId, actor: compliance)
            func ids(_ filter: RuleFilter) async throws -> [String] { try await db.rules.list(filter, actor: pm).map(\.ruleId) }
            #expect(try await ids(RuleFilter(portfolioId: "PORT-001")) == [both.ruleId])
            #expect(try await ids(RuleFilter(portfolioId: "PORT-002")) == [both.ruleId, second.ruleId])
            #expect(try await ids(RuleFilter(ruleType: .maxOrderQuantity)) == [second.ruleId])
            #expect(try await ids(RuleFilter(active: true)) == [both.ruleId])
            #expect(try await ids(RuleFilter(portfolioId: "PORT-002", active: false)) == [second.ruleId])
        }
    }
}

@Suite("Compliance snapshots, what-if and headroom in the store")
struct ComplianceSnapshotStoreTests {
    @Test("a snapshot counts opening positions plus fills, the unfilled part of working orders, prices and active rules")
    func snapshot() async throws {
        try await TestDatabase.with { db in
            _ = try await db.reference.setPosition(Position(portfolioId: "PORT-001", instrumentId: "INS-1", quantity: 500),
                                                   actor: admin)
            _ = try await db.reference.setPrice(instrumentId: "INS-1", price: 150, asOf: nil, actor: admin)
            _ = try await db.sentOrder(order(.buy, 1000), fill: 100)                         // PARTIALLY_FILLED: +100, works 900
            _ = try await db.sentOrder(order(.buy, 400), fill: 100, close: true)             // CLOSED: +100 only
            _ = try await db.sentOrder(order(.sell, 300))                                    // SENT_TO_TRADER: works -300
            _ = try await db.sentOrder(order(.sellShort, 50, "INS-2"), fill: 50, price: 20)  // FILLED: -50
            _ = try await db.orders.createOrder(order(.buy, 7000), actor: pm)               // CREATED: not counted
            let rule = try await db.rules.create(concentration, actor: compliance)
            let inactive = try await db.rules.create(concentration, actor: compliance)
            _ = try await db.rules.delete(inactive.ruleId, actor: compliance)
            var elsewhere = concentration
            elsewhere.targetAccounts = ["PORT-002"]
            _ = try await db.rules.create(elsewhere, actor: compliance)

            let loaded = try await db.snapshots.load(portfolioId: "PORT-001", actor: pm)
            let snapshot = loaded.snapshot
            #expect(snapshot.positions == ["INS-1": 700, "INS-2": -50])
            #expect(snapshot.working == ["INS-1": 600, "INS-2": 0])
            let cash: Decimal = 10_000_000 - 200 * 150 + 50 * 20  // fills' cost: two buys of 100 at 150, a sale of 50 at 20
            #expect(snapshot.cash == cash)
            #expect(snapshot.prices == ["INS-1": 150])
            #expect(snapshot.instruments.keys.sorted() == ["INS-1", "INS-2"])
            #expect(loaded.rules == [rule])
            let other = try await db.snapshots.load(portfolioId: "PORT-002", actor: pm)
            #expect(other.snapshot.cash == 5_000_000 && other.snapshot.positions.isEmpty && other.rules.count == 2)
        }
    }

    @Test("what-if and headroom agree at the edge; refusals name the portfolio or instrument")
    func whatIfAndHeadroom() async throws {
        try await TestDatabase.with { db in
            _ = try await db.reference.setPrice(instrumentId: "INS-1", price: 100, asOf: nil, actor: admin)
            _ = try await db.reference.setPosition(Position(portfolioId: "PORT-001", instrumentId: "INS-1", quantity: 2000),
                                                   actor: admin)
            let rule = try await db.rules.create(concentration, actor: compliance)  // 5% of 10,200,000 = 510,000
            let headroom = try await db.snapshots.headroom(portfolioId: "PORT-001", ruleId: rule.ruleId, actor: pm)
            #expect(headroom.currentValue == 200_000 && headroom.limitValue == 510_000 && headroom.headroom == 310_000)
            func proposal(_ quantity: Decimal, _ portfolio: String = "PORT-001", _ instrument: String = "INS-1") -> ProposedOrder {
                ProposedOrder(portfolioId: portfolio, instrumentId: instrument, direction: .buy, orderedQuantity: quantity)
            }
            let results = try await db.snapshots.checkWhatIf([proposal(3100), proposal(3101)], actor: pm)
            #expect(results.map(\.passed) == [true, false])
            #expect(results[1].violations.first?.ruleId == rule.ruleId)

            let noPrice = try await db.snapshots.checkWhatIf([proposal(1, "PORT-001", "INS-2")], actor: pm)
            #expect(noPrice.first?.passed == false)
            #expect(noPrice.first?.violations.first?.description?.contains("no last price for INS-2") == true)

            let denied = await #expect(throws: OMSError.self) {
                try await db.snapshots.checkWhatIf([proposal(1, "PORT-002"), proposal(1)], actor: TestDatabase.restrictedPM)
            }
            #expect(denied?.code == .permissionDenied && denied?.details["portfolio_id"] == "PORT-001")
            let deniedHeadroom = await #expect(throws: OMSError.self) {
                try await db.snapshots.headroom(portfolioId: "PORT-001", ruleId: rule.ruleId, actor: TestDatabase.restrictedPM)
            }
            #expect(deniedHeadroom?.code == .permissionDenied)
            let instrument = await #expect(throws: OMSError.self) {
                try await db.snapshots.checkWhatIf([proposal(1, "PORT-001", "INS-404")], actor: pm)
            }
            #expect(instrument?.code == .invalidInstrument)
            let portfolio = await #expect(throws: OMSError.self) {
                try await db.snapshots.checkWhatIf([proposal(1, "PORT-404")], actor: pm)
            }
            #expect(portfolio?.code == .invalidPortfolio)
            let quantity = await #expect(throws: OMSError.self) { try await db.snapshots.checkWhatIf([proposal(0)], actor: pm) }
            #expect(quantity?.details["field"] == "proposed_orders[0].ordered_quantity")

            _ = try await db.rules.delete(rule.ruleId, actor: compliance)
            let inactive = await #expect(throws: OMSError.self) {
                try await db.snapshots.headroom(portfolioId: "PORT-001", ruleId: rule.ruleId, actor: pm)
            }
            #expect(inactive?.code == .invalidArgument)
            let unknown = await #expect(throws: OMSError.self) {
                try await db.snapshots.headroom(portfolioId: "PORT-001", ruleId: "RULE-nope", actor: pm)
            }
            #expect(unknown?.code == .notFound)
        }
    }
}
