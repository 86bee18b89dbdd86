import Crypto
import Foundation
import OMSCore
import PostgresNIO

/// API keys: issued once, stored as a SHA-256 hash, revocable.
///
/// A key reads `omsk.<tenant>.<key id>.<secret>`, so authentication looks the
/// hash up by its tenant-led primary key without scanning other tenants.
public struct KeyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Issues a key for a principal of the actor's tenant (Admin only).
    public func createKey(principalId: String, actor: Principal) async throws -> IssuedKey {
        try ReferenceStore.require(actor, [.admin], "create API keys")
        return try await issue(principalId: principalId, tenantId: actor.tenantId)
    }

    /// Issues a key without an acting principal (bootstrap: `oms admin create-tenant`).
    public func issue(principalId: String, tenantId: String) async throws -> IssuedKey {
        let key = Self.newKey(tenantId: tenantId, principalId: principalId)
        let rows = try await database.rows(.tenant(tenantId), """
            INSERT INTO api_keys (tenant_id, key_id, principal_id, key_hash)
            SELECT \(tenantId), \(key.issued.keyId), principal_id, \(key.hash) FROM principals
            WHERE tenant_id = \(tenantId) AND principal_id = \(principalId)
            RETURNING key_id
            """)
        guard !rows.isEmpty else {
            throw OMSError(.notFound, "principal \(principalId) not found", details: ["principal_id": principalId])
        }
        return key.issued
    }

    /// A fresh key and the hash to store for it.
    static func newKey(tenantId: String, principalId: String) -> (issued: IssuedKey, hash: Data) {
        let keyId = "K" + randomHex(8)
        let apiKey = "omsk.\(tenantId).\(keyId).\(randomHex(24))"
        return (IssuedKey(keyId: keyId, principalId: principalId, apiKey: apiKey), hash(apiKey))
    }

    /// Revokes a key of the actor's tenant.
    public func revoke(keyId: String, actor: Principal) async throws {
        try ReferenceStore.require(actor, [.admin], "revoke API keys")
        let rows = try await database.rows(actor.scope, """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
            WHERE tenant_id = \(actor.tenantId) AND key_id = \(keyId) RETURNING key_id
            """)
        guard !rows.isEmpty else {
            throw OMSError(.notFound, "key \(keyId) not found", details: ["key_id": keyId])
        }
    }

    /// The principal a key belongs to, or UNAUTHENTICATED for an unknown,
    /// malformed or revoked key (one message for all, so nothing is learned).
    public func authenticate(apiKey: String) async throws -> Principal {
        let refused = OMSError(.unauthenticated, "invalid or revoked API key")
        let parts = apiKey.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "omsk", apiKey.utf8.count <= 256 else { throw refused }
        let rows = try await database.rows(.tenant(String(parts[1])), """
            SELECT p.principal_id, p.role, p.portfolio_ids, k.key_hash
            FROM api_keys k JOIN principals p ON p.tenant_id = k.tenant_id AND p.principal_id = k.principal_id
            WHERE k.tenant_id = \(String(parts[1])) AND k.key_id = \(String(parts[2])) AND k.revoked_at IS NULL
            """)
        guard let row = rows.first else { throw refused }
        let (principalId, role, portfolios, storedHash) = try row.decode((String, String, [String]?, Data).self)
        guard Self.constantTimeEqual(Array(storedHash), Array(Self.hash(apiKey))), let role = Role(rawValue: role)
        else { throw refused }
        return Principal(tenantId: String(parts[1]), principalId: principalId, role: role, portfolioIds: portfolios)
    }

    static func hash(_ key: String) -> Data {
        Data(SHA256.hash(data: Data(key.utf8)))
    }

    static func randomHex(_ bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
