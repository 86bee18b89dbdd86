import Foundation
import OMSCore

/// The `demo` tenant `oms serve` seeds on a fresh embedded database, so the
/// SDK page's examples run unchanged: one principal and API key per role,
/// portfolios PORT-001 and PORT-002, accounts ACCT-001 and ACCT-002, and a
/// few instruments with prices.
public enum DemoSeed {
    /// The tenant the demo data and keys belong to.
    public static let tenantId = "demo"

    /// The demo instruments with their last prices, so compliance examples have figures to measure.
    public static let instruments: [(Instrument, ExactDecimal)] = [
        (Instrument(instrumentId: "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e", symbol: "AAPL", issuer: "Apple Inc.",
                    sector: "Technology"), ExactDecimal("150.25")!),  // safe: a decimal literal
        (Instrument(instrumentId: "INS-01936d8a-7c1e-7b2a-8f3d-000000000002", symbol: "MSFT", issuer: "Microsoft Corp.",
                    sector: "Technology"), ExactDecimal("410.10")!),  // safe: a decimal literal
        (Instrument(instrumentId: "INS-01936d8a-7c1e-7b2a-8f3d-000000000003", symbol: "JPM", issuer: "JPMorgan Chase & Co.",
                    sector: "Financials"), ExactDecimal("198.40")!),  // safe: a decimal literal
        (Instrument(instrumentId: "INS-01936d8a-7c1e-7b2a-8f3d-000000000004", symbol: "XOM", issuer: "Exxon Mobil Corp.",
                    sector: "Energy"), ExactDecimal("112.80")!),  // safe: a decimal literal
    ]

    /// Seeds the demo tenant unless it exists. Returns the keys by principal id
    /// when it seeded now, nil when the tenant was already there.
    public static func seedIfNeeded(database: Database) async throws -> [(principal: PrincipalRecord, key: IssuedKey)]? {
        let reference = ReferenceStore(database: database)
        if try await reference.tenantExists(tenantId) { return nil }
        let adminKey: IssuedKey
        do {
            adminKey = try await reference.bootstrapTenant(tenantId, name: "Demo", adminId: "demo-admin")
        } catch let error as OMSError where error.code == .alreadyExists {
            return nil  // another sidecar seeded it first
        }
        let admin = Principal(tenantId: tenantId, principalId: "demo-admin", role: .admin)
        let keys = KeyStore(database: database)
        var issued = [(PrincipalRecord(principalId: "demo-admin", role: .admin, displayName: "Demo Admin"), adminKey)]
        for role in Role.allCases where role != .admin {
            let record = PrincipalRecord(principalId: "demo-\(role.rawValue.lowercased())", role: role,
                                         displayName: "Demo \(role.rawValue)")
            _ = try await reference.createPrincipal(record, actor: admin)
            issued.append((record, try await keys.createKey(principalId: record.principalId, actor: admin)))
        }
        _ = try await reference.createPortfolio(Portfolio(portfolioId: "PORT-001", name: "Global Equity", cash: 10_000_000),
                                                actor: admin)
        _ = try await reference.createPortfolio(Portfolio(portfolioId: "PORT-002", name: "Income", cash: 5_000_000),
                                                actor: admin)
        _ = try await reference.createAccount(Account(accountId: "ACCT-001", portfolioId: "PORT-001", name: "Custody A"),
                                              actor: admin)
        _ = try await reference.createAccount(Account(accountId: "ACCT-002", portfolioId: "PORT-002", name: "Custody B"),
                                              actor: admin)
        for (instrument, price) in instruments {
            _ = try await reference.createInstrument(instrument, actor: admin)
            _ = try await reference.setPrice(instrumentId: instrument.instrumentId, price: price, asOf: nil, actor: admin)
        }
        return issued.map { (principal: $0.0, key: $0.1) }
    }
}
