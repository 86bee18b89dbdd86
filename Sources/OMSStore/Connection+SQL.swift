import OMSPostgres

extension Connection {
    /// Runs one statement outside the runner (no transaction of its own, no
    /// tenant scope), one round trip: for owner work such as migrations and
    /// role DDL, and for tests.
    @discardableResult
    public func rows(_ sql: SQL) async throws -> [Row] {
        Array(try await query(sql.query(prepared: false)))
    }
}

extension ConnectionPool {
    /// Runs one statement on a leased connection outside the runner (no
    /// transaction of its own, no tenant scope): for an owner's pool in
    /// tools and tests.
    @discardableResult
    public func query(_ sql: SQL) async throws -> [Row] {
        try await withConnection { try await $0.rows(sql) }
    }
}
