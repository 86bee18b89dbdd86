import Crypto
import Foundation
import OMSCore
import OMSPostgres

/// API keys: issued once, stored as a SHA-256 hash, revocable.
///
/// A key reads `omsk.<tenant>.<key id>.<secret>`, so authentication looks the
/// hash up by its tenant-led primary key without scanning other tenants.
public struct KeyStore: Sendable {
    /// The pool and transaction runner key reads and writes run on.
    public let database: Database

    /// A store over `database`; cheap to make, so callers make one where they need it.
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
    /// malformed or revoked key, or a key of a disabled principal (one
    /// message for all, so nothing is learned).
    public func authenticate(apiKey: String) async throws -> Principal {
        try await credential(apiKey: apiKey).principal
    }

    /// `authenticate(apiKey:)` with the key's id, which a session keeps to
    /// notice a later revocation (`KeyStatusCache`).
    public func credential(apiKey: String) async throws -> Credential {
        let refused = OMSError(.unauthenticated, "invalid or revoked API key")
        let parts = apiKey.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "omsk", apiKey.utf8.count <= 256 else { throw refused }
        let (tenantId, keyId) = (String(parts[1]), String(parts[2]))
        let rows = try await database.rows(.tenant(tenantId), """
            SELECT p.principal_id, p.role, p.portfolio_ids, k.key_hash
            FROM api_keys k JOIN principals p ON p.tenant_id = k.tenant_id AND p.principal_id = k.principal_id
            WHERE k.tenant_id = \(tenantId) AND k.key_id = \(keyId) AND k.revoked_at IS NULL AND p.disabled_at IS NULL
            """)
        guard let row = rows.first else { throw refused }
        let (principalId, role, portfolios, storedHash) = try row.decode((String, String, [String]?, Data).self)
        guard Self.constantTimeEqual(Array(storedHash), Array(Self.hash(apiKey))), let role = Role(rawValue: role)
        else { throw refused }
        let principal = Principal(tenantId: tenantId, principalId: principalId, role: role, portfolioIds: portfolios)
        return Credential(principal: principal, keyId: keyId)
    }

    /// Whether a key still grants its rights: it exists, is not revoked and
    /// its principal is not disabled. One primary-key lookup per table.
    public func isValid(keyId: String, tenantId: String) async throws -> Bool {
        try await !database.read(.tenant(tenantId), """
            SELECT 1 FROM api_keys k JOIN principals p ON p.tenant_id = k.tenant_id AND p.principal_id = k.principal_id
            WHERE k.tenant_id = \(tenantId) AND k.key_id = \(keyId) AND k.revoked_at IS NULL AND p.disabled_at IS NULL
            """).isEmpty
    }

    /// Disables (or enables again) a principal of the actor's tenant. The row
    /// stays; a disabled principal's keys stop authenticating and its live
    /// sessions lose their rights at their next call (`KeyStatusCache`).
    /// An Admin cannot disable itself, so a tenant keeps a way back in.
    public func setDisabled(_ disabled: Bool, principalId: String, actor: Principal) async throws -> PrincipalStatus {
        try ReferenceStore.require(actor, [.admin], disabled ? "disable principals" : "enable principals")
        if disabled, principalId == actor.principalId {
            throw OMSError(.invalidArgument, "principal_id: an Admin cannot disable itself", details: ["field": "principal_id"])
        }
        let rows = try await database.rows(actor.scope, """
            UPDATE principals SET disabled_at = CASE WHEN \(disabled) THEN coalesce(disabled_at, now()) END
            WHERE tenant_id = \(actor.tenantId) AND principal_id = \(principalId)
            RETURNING principal_id, role, portfolio_ids, display_name, disabled_at
            """)
        guard let row = rows.first else {
            throw OMSError(.notFound, "principal \(principalId) not found", details: ["principal_id": principalId])
        }
        let (id, role, portfolios, name, disabledAt) = try row.decode((String, String, [String]?, String?, Date?).self)
        guard let role = Role(rawValue: role) else { throw OMSError(.internalError, "principal \(id) has role \(role)") }
        return PrincipalStatus(record: PrincipalRecord(principalId: id, role: role, portfolioIds: portfolios, displayName: name),
                               disabledAt: disabledAt)
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

/// A principal as authenticated by one of its API keys: a session keeps the
/// key's id to notice when the key is revoked or the principal disabled.
public struct Credential: Sendable, Equatable {
    /// Who the key authenticates as.
    public let principal: Principal
    /// The key used, re-checked on later calls.
    public let keyId: String

    /// A credential of `principal` through key `keyId`.
    public init(principal: Principal, keyId: String) {
        self.principal = principal
        self.keyId = keyId
    }
}

/// A principal and when it was disabled (nil: enabled).
public struct PrincipalStatus: Sendable, Equatable {
    /// The principal as stored.
    public let record: PrincipalRecord
    /// When it was disabled; nil while enabled.
    public let disabledAt: Date?
}
