import ArgumentParser
import Foundation
import OMSCore
import OMSStore

/// `oms admin …`: operations that need database access rather than the wire.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administrative commands that act on the database directly.",
        subcommands: [CreateTenant.self])

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
            try await withDatabase(url, logger: logger, asOwner: true) { owner in
                try await Migrator(logger: logger).migrate(client: owner.client)
            }
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
}
