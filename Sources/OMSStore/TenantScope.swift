import Logging
import OMSCore
import NIOConcurrencyHelpers
import PostgresNIO

/// Whose rows a transaction may touch. Row-level security (sql/0010) admits
/// a row of a tenant table only when its tenant_id equals the connection's
/// `oms.tenant_id` setting, so every transaction names its scope and the
/// runner binds it before the transaction starts.
public enum TenantScope: Sendable, Hashable, CustomStringConvertible {
    /// One tenant's rows, to read and write.
    case tenant(String)
    /// Every tenant's rows, read only: the event fan-out, key lookup and the
    /// evaluator's sweep. Any write is refused by the policies.
    case system

    /// The value of `oms.tenant_id` the policies compare with.
    public var setting: String {
        switch self {
        case .tenant(let id): id
        case .system: "*"
        }
    }

    public var description: String { setting }
}

/// What each pooled connection was last bound to, so the runner rebinds a
/// connection only when it last served another scope (STACK.md: a
/// `set_config` in every transaction costs a round trip, which cut a
/// one-statement transition from ~13,200/s to ~7,100/s in pgbench).
///
/// This is the one place a connection's scope changes. Entries hold the
/// connection weakly, so a closed connection's address reused by a new one
/// cannot inherit its scope, and the registry is shared by every runner, so
/// two runners on one pool cannot disagree about a connection.
final class ScopeBindings: Sendable {
    static let shared = ScopeBindings()

    private struct Entry: @unchecked Sendable {
        weak var connection: PostgresConnection?
        var setting: String
    }

    private let entries = NIOLockedValueBox<[ObjectIdentifier: Entry]>([:])

    /// Binds `connection` to `scope` unless it is bound to it already. The
    /// entry is dropped before the statement and written only after it
    /// succeeded, so a failed or cancelled bind leaves the connection unbound
    /// in the registry and the next lease binds it again.
    func bind(_ connection: PostgresConnection, to scope: TenantScope, by runner: TransactionRunner) async throws {
        let key = ObjectIdentifier(connection)
        let setting = scope.setting
        let bound = entries.withLockedValue { entries -> Bool in
            guard let entry = entries[key], entry.connection === connection else { return false }
            if entry.setting == setting { return true }
            entries[key] = nil
            return false
        }
        if bound { return }
        // Outside any transaction, so no rollback can undo it; given up if the
        // connection closes under it (see TransactionRunner.untilClosed).
        let logger = runner.logger
        _ = try await runner.untilClosed(connection) {
            try await connection.query("SELECT set_config('oms.tenant_id', \(setting), false)", logger: logger).collect()
        }
        runner.metrics.scopeBinds.increment()
        entries.withLockedValue { entries in
            if entries.count > 256 { entries = entries.filter { $0.value.connection != nil } }
            entries[key] = Entry(connection: connection, setting: setting)
        }
    }

    /// The scope a connection is bound to, if the registry knows it (tests).
    func setting(of connection: PostgresConnection) -> String? {
        entries.withLockedValue { entries in
            guard let entry = entries[ObjectIdentifier(connection)], entry.connection === connection else { return nil }
            return entry.setting
        }
    }
}

extension Principal {
    /// The scope of everything this principal does: its tenant.
    public var scope: TenantScope { .tenant(tenantId) }
}
