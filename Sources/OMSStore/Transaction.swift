import OMSCore
import OMSPostgres
import Synchronization

/// An open SERIALIZABLE transaction on one leased connection, as a command's
/// body sees it (`TransactionRunner.transaction`).
///
/// Nothing is sent until the body's first statement: `BEGIN` and the tenant
/// scope binding travel in the same pipeline sync as that statement, so a
/// transaction's first round trip is its first statement's. `batch` sends
/// several statements in one round trip; `finish` sends the last write with
/// the idempotency claim and `COMMIT`, so a read-decide-write command is two
/// round trips in all. A body that does not call `finish` is committed by
/// the runner (one more round trip).
public final class Transaction: Sendable {
    let connection: Connection
    let readOnly: Bool
    private let state: Mutex<State>

    private struct State {
        /// `BEGIN …` and the scope binding, until they are sent with the first statement.
        var prefix: [Query]
        /// Set once `finish` committed.
        var committed = false
    }

    init(connection: Connection, scope: TenantScope, readOnly: Bool) {
        self.connection = connection
        self.readOnly = readOnly
        self.state = Mutex(State(prefix: TransactionRunner.opening(scope, readOnly: readOnly)))
    }

    /// Whether `finish` committed the transaction.
    var isCommitted: Bool { state.withLock { $0.committed } }

    /// Runs one statement and returns its rows.
    @discardableResult
    public func rows(_ sql: SQL) async throws -> [Row] {
        try await batch([sql], prepared: false)[0]
    }

    /// `rows(_:)` with the statement prepared on this connection once (hot statements of fixed SQL).
    @discardableResult
    public func rows(prepared sql: SQL) async throws -> [Row] {
        try await batch([sql], prepared: true)[0]
    }

    /// Runs the statements in one round trip and returns each one's rows. A
    /// failure throws the first failed statement's error; the transaction is
    /// then aborted (the runner rolls it back).
    @discardableResult
    public func batch(_ sqls: [SQL], prepared: Bool = false) async throws -> [[Row]] {
        let prefix = takePrefix()
        let results = try await RoundTrips.send(connection, prefix + sqls.map { $0.query(prepared: prepared) })
        if let failure = results.firstFailure { throw failure }
        return try results.dropFirst(prefix.count).map { try Array($0.get()) }
    }

    /// Runs the transaction's last statement, claims the call's idempotency
    /// key if the transaction wrote (see `IdempotencyClaim`) and commits, in
    /// one round trip. A conflict found at commit is `COMMIT`'s own error
    /// (40001, retried by the runner), never a success.
    @discardableResult
    public func finish(_ sql: SQL) async throws -> [Row] {
        try await finish([sql], prepared: false)[0]
    }

    /// `finish(_:)` with the statement prepared on this connection once.
    @discardableResult
    public func finish(prepared sql: SQL) async throws -> [Row] {
        try await finish([sql], prepared: true)[0]
    }

    /// The transaction's last statements, the claim and `COMMIT`, in one round trip; each statement's rows.
    @discardableResult
    public func finish(_ sqls: [SQL], prepared: Bool = false) async throws -> [[Row]] {
        let prefix = takePrefix()
        let claim = readOnly ? nil : IdempotencyClaim.pendingClaim
        let body = sqls.map { $0.query(prepared: prepared) } + (claim.map { [$0.claimQuery] } ?? []) + [Query("COMMIT")]
        let results = try await RoundTrips.send(connection, prefix + body)
        let own = Array(results.dropFirst(prefix.count))
        try TransactionRunner.check(results, claim: claim)
        state.withLock { $0.committed = true }
        try claim?.noteCommitted(own[sqls.count])
        return try own.prefix(sqls.count).map { Array(try $0.get()) }
    }

    /// Commits a transaction whose body did not `finish` it (with the claim, as `finish` does).
    func commit() async throws {
        // A body that sent nothing has nothing to commit: BEGIN was never sent.
        guard state.withLock({ $0.prefix.isEmpty }) else { return }
        try await finish([], prepared: false)
    }

    private func takePrefix() -> [Query] {
        state.withLock { state in
            defer { state.prefix = [] }
            return state.prefix
        }
    }
}

extension Array where Element == StatementResult {
    /// The first failed statement's error: the later ones were skipped because of it.
    var firstFailure: PostgresError? {
        for result in self {
            if case .failed(let error) = result { return error }
        }
        return nil
    }
}
