import Logging
import OMSCore

/// Whose rows a transaction may touch. Row-level security (sql/0010) admits
/// a row of a tenant table only when its tenant_id equals the connection's
/// `oms.tenant_id` setting, so every transaction names its scope and the
/// runner binds it inside the transaction (`TransactionRunner.opening`).
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

    /// The value set in the session setting: the tenant id, or `*` for system.
    public var description: String { setting }
}

extension Principal {
    /// The scope of everything this principal does: its tenant.
    public var scope: TenantScope { .tenant(tenantId) }
}
