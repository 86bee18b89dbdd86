import Foundation
import OMSCore
@testable import OMSStore
import OMSPostgres
import Testing

/// How `SQL` builds statements from values and shared fragments; no database needed.
@Suite("SQL interpolation")
struct SQLTests {
    @Test("a fragment spliced into a statement keeps its parameters, numbered on from the statement's own")
    func fragmentsRenumber() {
        let fragment: SQL = "(b = \(Int32(2)) OR c = \("three"))"
        let sql: SQL = "SELECT 1 WHERE a = \("one") AND \(fragment) AND d = \(Int64(4))"
        #expect(sql.text == "SELECT 1 WHERE a = $1 AND (b = $2 OR c = $3) AND d = $4")
        #expect(sql.parameters == ["one", "2", "three", "4"])
        #expect(sql.types == [.text, .int4, .text, .int8])
        #expect(fragment.text == "(b = $1 OR c = $2)")
    }

    @Test("the entitlement predicate sends the portfolio list twice, typed text[] also when it is NULL")
    func entitlement() {
        let limited = Principal(tenantId: "T", principalId: "p", role: .pm, portfolioIds: ["P1", "P2"])
        let everyPortfolio = Principal(tenantId: "T", principalId: "p", role: .pm)
        let predicate = SQL.entitled(limited, portfolio: "o.portfolio_id")
        let sql: SQL = "SELECT 1 FROM orders o WHERE o.tenant_id = \("T") AND \(predicate)"
        #expect(sql.text == "SELECT 1 FROM orders o WHERE o.tenant_id = $1 AND "
            + "($2::text[] IS NULL OR o.portfolio_id = ANY($3::text[]))")
        #expect(sql.types == [.text, .textArray, .textArray])
        #expect(sql.parameters[1] == sql.parameters[2] && sql.parameters[1] != nil)
        let unlimited = SQL.entitled(everyPortfolio, anyPortfolioIn: "r.target_accounts")
        #expect(unlimited.text == "($1::text[] IS NULL OR r.target_accounts && $2::text[])")
        #expect(unlimited.parameters == [nil, nil] && unlimited.types == [.textArray, .textArray])
    }

    @Test("the event insert names each column once and gives a value for each")
    func eventInsert() {
        let insert = OrderEventRow.insert(command: "'c'", from: "upd", fromState: "NULL", actorId: "'a'",
                                          actorRole: "'r'", payload: "'{}'", occurredAt: "now()")
        #expect(insert.text.hasPrefix("INSERT INTO order_events (\(OrderEventRow.columns))"))
        let values = insert.text.components(separatedBy: "SELECT ")[1].components(separatedBy: " FROM upd")[0]
        #expect(values.split(separator: ",").count == OrderEventRow.columns.split(separator: ",").count)
    }

    @Test("inlined writes each parameter in as a literal, quotes doubled, NULL as NULL")
    func inlined() {
        let sql: SQL = "SELECT \("it's"), \(nil as String?)::text"
        #expect(sql.inlined == "SELECT 'it''s', NULL::text")
    }
}
