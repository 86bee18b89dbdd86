import Crypto
import Foundation
import Logging
import OMSCore
import OMSPostgres
import Synchronization

/// First answers of mutating calls made with an `idempotency_key`, per tenant.
///
/// The key is claimed inside the command's own transaction (see
/// `IdempotencyClaim`), so a command and its key commit together or not at
/// all: a retry after a crash, a lost connection or a database restart finds
/// the key exactly when the command committed, and never runs it twice. The
/// answer is written into the claimed row right after the commit; until then
/// the row holds `IdempotencyStore.pending`.
public struct IdempotencyStore: Sendable {
    /// The pool and transaction runner the key reads run on.
    public let database: Database

    /// The stored answer of a claimed key whose command committed but whose
    /// answer is not written yet (JSON null; no method answers null).
    public static let pending = "null"

    /// A store over `database`; cheap to make, so callers make one where they need it.
    public init(database: Database) {
        self.database = database
    }

    /// The SHA-256 digest that identifies a request: its method and its
    /// params in a canonical text (the caller's; compact JSON with keys sorted
    /// and without `idempotency_key`). A newline cannot occur in a method name,
    /// so no two requests share the hashed text.
    public static func digest(method: String, canonicalParams: String) -> Data {
        Data(SHA256.hash(data: Data((method + "\n" + canonicalParams).utf8)))
    }

    /// Whether a stored key was first used for this request. Keys stored
    /// before digests were kept (migration 0012) match on the method alone.
    static func matches(method: String, digest: Data?, storedMethod: String, storedDigest: Data?) -> Bool {
        storedMethod == method && (storedDigest == nil || digest == nil || storedDigest == digest)
    }

    static func reused(_ key: String, method: String, storedMethod: String) -> OMSError {
        let first = storedMethod == method ? "\(storedMethod) with other params" : storedMethod
        return OMSError(.idempotencyKeyReused, """
            idempotency_key \(key) was first used for another request (\(first)); nothing was changed: \
            a new request needs a new key
            """, details: ["idempotency_key": key, "method": storedMethod])
    }

    /// The stored answer (JSON text) for a key, or nil. A key first used for
    /// another request (another method, or the same method with other
    /// params) is IDEMPOTENCY_KEY_REUSED. The answer is `pending` while the
    /// first call is between its commit and writing its answer.
    public func answer(for key: String, method: String, digest: Data?, tenantId: String) async throws -> String? {
        let rows = try await database.rows(.tenant(tenantId), """
            SELECT method, request_digest, result::text FROM idempotency_keys
            WHERE tenant_id = \(tenantId) AND idempotency_key = \(key)
            """)
        guard let row = rows.first else { return nil }
        let (storedMethod, storedDigest, result) = try row.decode((String, Data?, String).self)
        guard Self.matches(method: method, digest: digest, storedMethod: storedMethod, storedDigest: storedDigest) else {
            throw Self.reused(key, method: method, storedMethod: storedMethod)
        }
        return result
    }

    /// The stored answer, waiting up to `patience` while it is `pending` (the
    /// first call is writing it). Still `pending` afterwards means the first
    /// call committed and then stopped (its server crashed) before writing it.
    public func settledAnswer(for key: String, method: String, digest: Data?, tenantId: String,
                              patience: Duration = .seconds(2)) async throws -> String? {
        let clock = ContinuousClock(), deadline = clock.now + patience
        while true {
            let stored = try await answer(for: key, method: method, digest: digest, tenantId: tenantId)
            guard stored == Self.pending, clock.now < deadline else { return stored }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Records the first answer; a concurrent first answer of the same
    /// request wins and is returned, one of another request is
    /// IDEMPOTENCY_KEY_REUSED. A `pending` row of the same request (a
    /// committed first call whose answer was lost) takes this answer: the
    /// caller only gets here when its own call changed nothing, so its answer
    /// describes the first call's outcome.
    public func record(_ result: String, for key: String, method: String, digest: Data?,
                       actor: Principal) async throws -> String {
        let rows = try await database.rows(actor.scope, """
            WITH ins AS (
                INSERT INTO idempotency_keys (tenant_id, idempotency_key, method, principal_id, result, request_digest)
                VALUES (\(actor.tenantId), \(key), \(method), \(actor.principalId), \(result)::jsonb, \(digest))
                ON CONFLICT (tenant_id, idempotency_key) DO UPDATE SET result = EXCLUDED.result
                WHERE idempotency_keys.result = 'null'::jsonb AND idempotency_keys.method = EXCLUDED.method
                    AND (idempotency_keys.request_digest IS NULL OR EXCLUDED.request_digest IS NULL
                         OR idempotency_keys.request_digest = EXCLUDED.request_digest)
                RETURNING method, request_digest, result::text
            )
            SELECT method, request_digest, result FROM ins
            UNION ALL
            SELECT method, request_digest, result::text FROM idempotency_keys
            WHERE tenant_id = \(actor.tenantId) AND idempotency_key = \(key)
            LIMIT 1
            """)
        guard let row = rows.first else { return result }
        let (storedMethod, storedDigest, stored) = try row.decode((String, Data?, String).self)
        guard Self.matches(method: method, digest: digest, storedMethod: storedMethod, storedDigest: storedDigest) else {
            throw Self.reused(key, method: method, storedMethod: storedMethod)
        }
        return stored
    }

    /// Writes the answer of a call whose transaction claimed the key.
    public func complete(_ result: String, for claim: IdempotencyClaim) async throws {
        _ = try await database.rows(.tenant(claim.tenantId), """
            UPDATE idempotency_keys SET result = \(result)::jsonb
            WHERE tenant_id = \(claim.tenantId) AND idempotency_key = \(claim.key) AND result = 'null'::jsonb
            """)
    }
}

/// The idempotency key of the mutating call being handled. While it is
/// `current`, the first transaction of the call that writes (an xid was
/// assigned and its statement did not come back empty: a guarded write that
/// matched nothing is a refusal) inserts the key's row before its COMMIT, so
/// the key commits exactly with the command. A second call with the key then
/// fails that insert (unique key) and rolls its own transaction back.
public final class IdempotencyClaim: Sendable {
    /// The claim of the call this task is handling; the store's transactions read it.
    @TaskLocal public static var current: IdempotencyClaim?

    /// The tenant the key belongs to; keys are unique per tenant, not globally.
    public let tenantId: String
    /// The client's idempotency key.
    public let key: String
    /// The method being called, stored with the key so a reuse for another method is refused.
    public let method: String
    /// `IdempotencyStore.digest` of the request; nil only for callers that
    /// have no request to describe (store tests), matched on the method alone.
    public let digest: Data?
    /// The principal making the call; a key is the caller's own.
    public let principalId: String
    private let committed = Mutex(false)

    /// A claim of `key` for a call of `method` by `actor`.
    public init(key: String, method: String, digest: Data? = nil, actor: Principal) {
        self.tenantId = actor.tenantId
        self.key = key
        self.method = method
        self.digest = digest
        self.principalId = actor.principalId
    }

    /// Whether a transaction of this call committed the key.
    public var isCommitted: Bool { committed.withLock { $0 } }

    func markCommitted() { committed.withLock { $0 = true } }

    /// The claim to send before COMMIT: the call's own, unless one of its transactions committed it already.
    static var pendingClaim: IdempotencyClaim? {
        current.flatMap { $0.isCommitted ? nil : $0 }
    }

    /// Inserts the key in the open transaction if it wrote (an xid was
    /// assigned: a guarded write that matched nothing locked nothing, so a
    /// refusal assigns none), sent in the same pipeline as COMMIT. A
    /// unique violation on `idempotency_keys_pkey` means another call
    /// committed the key first (`IdempotencyKeyTaken`, see `TransactionRunner.check`).
    var claimQuery: Query {
        Query(Self.claimStatement, [tenantId, key, method, principalId, digest.map(PostgresText.bytea)])
    }

    static let claimStatement = Statement("""
        INSERT INTO idempotency_keys (tenant_id, idempotency_key, method, principal_id, result, request_digest)
        SELECT $1, $2, $3, $4, 'null'::jsonb, $5
        WHERE pg_current_xact_id_if_assigned() IS NOT NULL
        RETURNING 1
        """, parameterTypes: [.text, .text, .text, .text, .bytea])

    /// Records that the claim's row committed (when it inserted one).
    func noteCommitted(_ claimResult: StatementResult) throws {
        if try !claimResult.get().isEmpty { markCommitted() }
    }
}

/// Another call with the same idempotency key committed first; this call's
/// transaction was rolled back and the first call's answer is the answer.
public struct IdempotencyKeyTaken: Error, Sendable {
    /// The error; it carries nothing because the first call's stored answer is the answer.
    public init() {}
}
