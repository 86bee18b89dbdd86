import Foundation
import Logging
import OMSCore
import OMSPostgres

/// Tenants, principals and reference data: portfolios, accounts,
/// instruments, prices and positions. Writes here are Admin's (prices also
/// System's, positions also Ops').
public struct ReferenceStore: Sendable {
    /// The pool and transaction runner every read and write runs on.
    public let database: Database

    /// A store over `database`; cheap to make, so callers make one where they need it.
    public init(database: Database) {
        self.database = database
    }

    static func require(_ actor: Principal, _ roles: Set<Role>, _ what: String) throws(OMSError) {
        guard roles.contains(actor.role) else {
            throw OMSError(.permissionDenied, "role \(actor.role.rawValue) may not \(what)",
                           details: ["role": actor.role.rawValue])
        }
    }

    /// Maps unique and foreign-key violations to domain errors.
    static func mapped(_ error: any Error, exists: String, missing: (String?) -> OMSError) -> any Error {
        guard let error = error as? PostgresError else { return error }
        switch error.sqlState {
        case SQLState.uniqueViolation: return OMSError(.alreadyExists, "\(exists) already exists")
        case SQLState.foreignKeyViolation: return missing(error.constraint)
        case SQLState.checkViolation, SQLState.invalidTextRepresentation, SQLState.numericValueOutOfRange:
            return OMSError(.invalidArgument, "invalid value: \(error.message)")
        default: return error
        }
    }

    /// Creates a tenant. Needs database access, not the wire.
    public func createTenant(_ tenantId: String, name: String? = nil) async throws {
        try Self.validateTenantId(tenantId)
        do {
            _ = try await database.rows(.tenant(tenantId), "INSERT INTO tenants (tenant_id, name) VALUES (\(tenantId), \(name ?? tenantId))")
        } catch {
            throw Self.mapped(error, exists: "tenant \(tenantId)") { _ in OMSError(.internalError, "tenant insert failed") }
        }
    }

    static func validateTenantId(_ tenantId: String) throws(OMSError) {
        guard tenantId.range(of: #"^[A-Za-z0-9_-]{1,64}$"#, options: .regularExpression) != nil else {
            throw OMSError(.invalidArgument, "tenant_id must be 1-64 letters, digits, '_' or '-'",
                           details: ["field": "tenant_id"])
        }
    }

    /// Whether a tenant exists.
    public func tenantExists(_ tenantId: String) async throws -> Bool {
        try await !database.rows(.tenant(tenantId), "SELECT 1 FROM tenants WHERE tenant_id = \(tenantId)").isEmpty
    }

    /// Creates a principal in the actor's tenant.
    public func createPrincipal(_ record: PrincipalRecord, actor: Principal) async throws -> PrincipalRecord {
        try Self.require(actor, [.admin], "create principals")
        try OrderValidation.requireIdentifier(record.principalId, field: "principal_id")
        try await insertPrincipal(record, tenantId: actor.tenantId)
        return record
    }

    func insertPrincipal(_ record: PrincipalRecord, tenantId: String) async throws {
        do {
            _ = try await database.rows(.tenant(tenantId), """
                INSERT INTO principals (tenant_id, principal_id, role, portfolio_ids, display_name)
                VALUES (\(tenantId), \(record.principalId), \(record.role.rawValue), \(record.portfolioIds),
                        \(record.displayName))
                RETURNING tenant_id
                """)
        } catch {
            throw Self.mapped(error, exists: "principal \(record.principalId)") { _ in
                OMSError(.tenantNotFound, "tenant \(tenantId) not found")
            }
        }
    }

    /// Creates a portfolio.
    public func createPortfolio(_ portfolio: Portfolio, actor: Principal) async throws -> Portfolio {
        try Self.require(actor, [.admin], "create portfolios")
        try OrderValidation.requireIdentifier(portfolio.portfolioId, field: "portfolio_id")
        try NumericDomain.money.check(portfolio.cash, field: "cash")
        do {
            _ = try await database.rows(actor.scope, """
                INSERT INTO portfolios (tenant_id, portfolio_id, name, base_currency, cash)
                VALUES (\(actor.tenantId), \(portfolio.portfolioId), \(portfolio.name), \(portfolio.baseCurrency),
                        \(portfolio.cash))
                RETURNING tenant_id
                """)
        } catch {
            throw Self.mapped(error, exists: "portfolio \(portfolio.portfolioId)") { _ in
                OMSError(.tenantNotFound, "tenant not found")
            }
        }
        return portfolio
    }

    /// Creates an account in one of the tenant's portfolios.
    public func createAccount(_ account: Account, actor: Principal) async throws -> Account {
        try Self.require(actor, [.admin], "create accounts")
        try OrderValidation.requireIdentifier(account.accountId, field: "account_id")
        do {
            _ = try await database.rows(actor.scope, """
                INSERT INTO accounts (tenant_id, account_id, portfolio_id, name)
                VALUES (\(actor.tenantId), \(account.accountId), \(account.portfolioId), \(account.name))
                RETURNING tenant_id
                """)
        } catch {
            throw Self.mapped(error, exists: "account \(account.accountId)") { _ in
                OMSError(.invalidPortfolio, "unknown portfolio \(account.portfolioId)",
                         details: ["portfolio_id": account.portfolioId])
            }
        }
        return account
    }

    /// Creates an instrument.
    public func createInstrument(_ instrument: Instrument, actor: Principal) async throws -> Instrument {
        try Self.require(actor, [.admin], "create instruments")
        try OrderValidation.requireIdentifier(instrument.instrumentId, field: "instrument_id")
        do {
            _ = try await database.rows(actor.scope, """
                INSERT INTO instruments (tenant_id, instrument_id, symbol, currency, issuer, sector)
                VALUES (\(actor.tenantId), \(instrument.instrumentId), \(instrument.symbol), \(instrument.currency),
                        \(instrument.issuer), \(instrument.sector))
                RETURNING tenant_id
                """)
        } catch {
            throw Self.mapped(error, exists: "instrument \(instrument.instrumentId)") { _ in
                OMSError(.tenantNotFound, "tenant not found")
            }
        }
        return instrument
    }

    /// Records an instrument's last price.
    public func setPrice(instrumentId: String, price: ExactDecimal, asOf: Date?, actor: Principal) async throws -> Price {
        try Self.require(actor, [.admin, .system], "set prices")
        try NumericDomain.price.check(price, field: "price")
        let asOf = Timestamp.microseconds(asOf ?? Date())
        let monitor = BreachMonitor(database: database)
        do {
            // The price and any breach it causes or clears commit together.
            try await database.runner.transaction(actor.scope) { connection in
                try await connection.rows("""
                    INSERT INTO prices (tenant_id, instrument_id, price, as_of)
                    VALUES (\(actor.tenantId), \(instrumentId), \(price), \(asOf))
                    ON CONFLICT (tenant_id, instrument_id) DO UPDATE SET price = excluded.price, as_of = excluded.as_of
                    """)
                let portfolios = try await monitor.portfolios(holding: instrumentId, tenantId: actor.tenantId, on: connection)
                try await monitor.check(portfolios: portfolios, tenantId: actor.tenantId, cause: "market.set_price",
                                        at: Timestamp.microseconds(Date()), on: connection)
            }
        } catch {
            throw Self.mapped(error, exists: "price") { _ in
                OMSError(.invalidInstrument, "unknown instrument \(instrumentId)", details: ["instrument_id": instrumentId])
            }
        }
        return Price(instrumentId: instrumentId, price: price, asOf: asOf)
    }

    /// Sets a portfolio's opening position in an instrument.
    public func setPosition(_ position: Position, actor: Principal) async throws -> Position {
        try Self.require(actor, [.admin, .ops], "set positions")
        guard actor.isEntitled(to: position.portfolioId) else {
            throw OMSError(.permissionDenied, "not entitled to portfolio \(position.portfolioId)")
        }
        try NumericDomain.position.check(position.quantity, field: "quantity")
        let monitor = BreachMonitor(database: database)
        do {
            try await database.runner.transaction(actor.scope) { connection in
                try await connection.rows("""
                    INSERT INTO positions (tenant_id, portfolio_id, instrument_id, quantity)
                    VALUES (\(actor.tenantId), \(position.portfolioId), \(position.instrumentId), \(position.quantity))
                    ON CONFLICT (tenant_id, portfolio_id, instrument_id)
                    DO UPDATE SET quantity = excluded.quantity, updated_at = now()
                    """)
                try await monitor.check(portfolios: [position.portfolioId], tenantId: actor.tenantId,
                                        cause: "admin.set_position", at: Timestamp.microseconds(Date()), on: connection)
            }
        } catch {
            throw Self.mapped(error, exists: "position") { constraint in
                constraint?.contains("portfolio") == true
                    ? OMSError(.invalidPortfolio, "unknown portfolio \(position.portfolioId)")
                    : OMSError(.invalidInstrument, "unknown instrument \(position.instrumentId)")
            }
        }
        return position
    }
}

extension ReferenceStore {
    /// Creates a tenant, its first Admin principal and that Admin's API key in
    /// one transaction. Used by `oms admin create-tenant` and the demo seed.
    public func bootstrapTenant(_ tenantId: String, name: String? = nil, adminId: String = "admin") async throws -> IssuedKey {
        try Self.validateTenantId(tenantId)
        let key = KeyStore.newKey(tenantId: tenantId, principalId: adminId)
        do {
            return try await database.runner.transaction(.tenant(tenantId)) { connection in
                try await connection.rows(
                    "INSERT INTO tenants (tenant_id, name) VALUES (\(tenantId), \(name ?? tenantId))")
                try await connection.rows("""
                    INSERT INTO principals (tenant_id, principal_id, role) VALUES (\(tenantId), \(adminId), 'Admin')
                    """)
                try await connection.rows("""
                    INSERT INTO api_keys (tenant_id, key_id, principal_id, key_hash)
                    VALUES (\(tenantId), \(key.issued.keyId), \(adminId), \(key.hash))
                    """)
                return key.issued
            }
        } catch {
            throw Self.mapped(error, exists: "tenant \(tenantId)") { _ in OMSError(.internalError, "bootstrap failed") }
        }
    }
}
