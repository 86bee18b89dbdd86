import OMSCore
import PostgresNIO

/// First answers of mutating calls made with an `idempotency_key`, per tenant.
public struct IdempotencyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The stored answer (JSON text) for a key, or nil. A key first used by
    /// another method is CONFLICT: it cannot be the same call.
    public func answer(for key: String, method: String, tenantId: String) async throws -> String? {
        let rows = try await database.rows(.tenant(tenantId), """
            SELECT method, result::text FROM idempotency_keys WHERE tenant_id = \(tenantId) AND idempotency_key = \(key)
            """)
        guard let row = rows.first else { return nil }
        let (storedMethod, result) = try row.decode((String, String).self)
        guard storedMethod == method else {
            throw OMSError(.conflict, "idempotency_key \(key) was used for \(storedMethod)",
                           details: ["idempotency_key": key, "method": storedMethod])
        }
        return result
    }

    /// Records the first answer; a concurrent first answer wins and is returned.
    public func record(_ result: String, for key: String, method: String, actor: Principal) async throws -> String {
        let rows = try await database.rows(actor.scope, """
            WITH ins AS (
                INSERT INTO idempotency_keys (tenant_id, idempotency_key, method, principal_id, result)
                VALUES (\(actor.tenantId), \(key), \(method), \(actor.principalId), \(result)::jsonb)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING result::text
            )
            SELECT result FROM ins
            UNION ALL
            SELECT result::text FROM idempotency_keys WHERE tenant_id = \(actor.tenantId) AND idempotency_key = \(key)
            LIMIT 1
            """)
        return try rows.first?.decode(String.self) ?? result
    }
}
