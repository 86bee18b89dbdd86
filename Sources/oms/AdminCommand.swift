import ArgumentParser
import Foundation
import OMSCore
import OMSStore

/// `oms admin …`: operations that need database access rather than the wire.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administrative commands that act on the database directly.",
        subcommands: [CreateTenant.self, CreateBIRole.self])

    /// `oms admin create-tenant --tenant-id T [--json]`
    struct CreateTenant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-tenant",
            abstract: "Create a tenant with an Admin principal and print its API key (shown once).")

        @Option(name: .customLong("tenant-id"), help: "Tenant id: 1-64 letters, digits, '_' or '-'.")
        var tenantId: String

        @Option(help: "Display name of the tenant.")
        var name: String?

        @Option(name: .customLong("admin-id"), help: "Principal id of the tenant's first Admin.")
        var adminId: String = "admin"

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let url = try database.resolvedURL()
            let logger = makeLogger("oms.admin")
            let (tenantId, adminId, name) = (tenantId, adminId, name)
            _ = try await migrateAsOwner(url, logger: logger)
            let key = try await withDatabase(url, logger: logger) { db in
                try await ReferenceStore(database: db).bootstrapTenant(tenantId, name: name, adminId: adminId)
            }
            if json {
                let object = ["tenant_id": tenantId, "principal_id": key.principalId, "role": "Admin",
                              "key_id": key.keyId, "api_key": key.apiKey]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("tenant \(tenantId) created; Admin principal \(key.principalId)")
                print("API key (shown once, store it now): \(key.apiKey)")
            }
        }
    }

    /// `oms admin create-bi-role --tenant-id T [--role NAME] [--password P] [--json]`
    struct CreateBIRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-bi-role",
            abstract: "Create a read-only PostgreSQL login that sees one tenant's rows through the reporting views.",
            discussion: """
                Run with the owner's database URL (the role that ran the migrations; it needs CREATEROLE). \
                The login may SELECT from the views of the `reporting` schema (docs/reporting.md) and nothing \
                else; it sees only the tenant's rows and every transaction it starts is read-only. The \
                password is printed once; without --password one is generated.
                """)

        @Option(name: .customLong("tenant-id"), help: "The tenant whose rows the login may read.")
        var tenantId: String

        @Option(help: "Login name (lower-case letters, digits, '_'). Default: bi_<tenant-id>.")
        var role: String?

        @Option(help: "Password of the login (env OMS_BI_PASSWORD). Default: 48 random hex digits.")
        var password: String?

        @Option(name: .customLong("connection-limit"), help: "Most concurrent connections of the login.")
        var connectionLimit: Int = 10

        @Flag(help: "Print the result as JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let url = try database.resolvedURL()
            let logger = makeLogger("oms.admin")
            let (tenantId, role, limit) = (tenantId, role, connectionLimit)
            let password = password ?? ProcessInfo.processInfo.environment["OMS_BI_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
            _ = try await migrateAsOwner(url, logger: logger)
            let created = try await withDatabase(url, logger: logger, asOwner: true) { owner in
                try await owner.pool.withConnection { connection in
                    try await ReportingAccess.createBIRole(
                        tenantId: tenantId, roleName: role, password: password, connectionLimit: limit,
                        on: connection, logger: logger)
                }
            }
            var login = url
            login.username = created.roleName
            login.password = created.password
            if json {
                let object = ["tenant_id": created.tenantId, "role": created.roleName, "password": created.password,
                              "url": login.urlString]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("BI role \(created.roleName) created for tenant \(created.tenantId): read-only, reporting views only")
                print("password (shown once, store it now): \(created.password)")
                print("connect: psql \"\(login.urlString)\"")
            }
        }
    }
}
