import Foundation
import Logging
import OMSCore
import OMSPostgres

/// BI logins: read-only PostgreSQL roles that see one tenant's rows through
/// the `reporting` views (sql/0010, docs/reporting.md).
public enum ReportingAccess {
    /// A created login, with its password (shown once).
    public struct BIRole: Sendable, Equatable {
        /// The tenant whose rows the login sees.
        public let tenantId: String
        /// The PostgreSQL role name to log in with.
        public let roleName: String
        /// The generated password, shown this once.
        public let password: String
    }

    /// The default login name for a tenant's BI role: `bi_` and the tenant id
    /// folded to lower case with '-' as '_' (PostgreSQL role names are
    /// identifiers; these need no quoting).
    public static func defaultRoleName(tenantId: String) -> String {
        "bi_" + tenantId.lowercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Creates a login role that is a member of `oms_bi` (SELECT on the
    /// reporting views, nothing else), reads in read-only transactions only,
    /// and is recorded in bi_roles as the tenant's, all in one transaction.
    /// `connection` must be the owner's (CREATEROLE); the tenant must exist.
    /// An existing role name is ALREADY_EXISTS and changes nothing.
    public static func createBIRole(
        tenantId: String, roleName: String? = nil, password: String? = nil, connectionLimit: Int = 10,
        on connection: Connection, logger: Logger
    ) async throws -> BIRole {
        try ReferenceStore.validateTenantId(tenantId)
        let role = roleName ?? defaultRoleName(tenantId: tenantId)
        guard role.range(of: #"^[a-z_][a-z0-9_]{0,62}$"#, options: .regularExpression) != nil else {
            throw OMSError(.invalidArgument, "role name must be 1-63 lower-case letters, digits or '_', not starting with a digit",
                           details: ["field": "role"])
        }
        let password = password ?? KeyStore.randomHex(24)
        guard !password.isEmpty, password.utf8.count <= 100, !password.contains("\0") else {
            throw OMSError(.invalidArgument, "password must be 1-100 bytes", details: ["field": "password"])
        }
        guard (1...1000).contains(connectionLimit) else {
            throw OMSError(.invalidArgument, "connection limit must be 1-1000", details: ["field": "connection_limit"])
        }
        // Role DDL takes no parameters: the name is checked above, the
        // password is a standard-conforming literal with quotes doubled.
        let literal = "'" + password.replacingOccurrences(of: "'", with: "''") + "'"
        try await connection.execute("BEGIN")
        do {
            try await connection.rows("SELECT set_config('oms.tenant_id', \(tenantId), true)")
            let tenant = try await connection.rows("SELECT 1 FROM tenants WHERE tenant_id = \(tenantId)")
            guard !tenant.isEmpty else {
                throw OMSError(.tenantNotFound, "tenant \(tenantId) not found", details: ["tenant_id": tenantId])
            }
            let taken = try await connection.rows("SELECT 1 FROM pg_roles WHERE rolname = \(role)")
            guard taken.isEmpty else {
                throw OMSError(.alreadyExists, "role \(role) already exists", details: ["role": role])
            }
            for statement in [
                "CREATE ROLE \(role) LOGIN PASSWORD \(literal) IN ROLE oms_bi CONNECTION LIMIT \(connectionLimit)",
                "ALTER ROLE \(role) SET default_transaction_read_only = on",
                "ALTER ROLE \(role) SET search_path = reporting",
            ] {
                try await connection.execute(statement)
            }
            try await connection.rows(
                "INSERT INTO bi_roles (tenant_id, role_name) VALUES (\(tenantId), \(role))")
            try await connection.execute("COMMIT")
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
        return BIRole(tenantId: tenantId, roleName: role, password: password)
    }
}
