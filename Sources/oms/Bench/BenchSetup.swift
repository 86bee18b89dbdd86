import Foundation
import OMSClient
import OMSCore
import OMSProtocol

/// The bench tenant's principals, keys and reference data, created over the
/// wire with the tenant's Admin key (again on every run; existing ones are kept).
struct BenchSetup: Sendable {
    let configuration: OMSClientConfiguration
    let tenantId: String
    let keys: [Role: String]
    static let portfolio = "BENCH-P"
    static let account = "BENCH-A"
    static let instrument = "BENCH-I"

    static func prepare(address: String, adminKey: String, clients: Int) async throws -> BenchSetup {
        let base = OMSClientConfiguration.fromEnvironment(address: address, apiKey: adminKey)
        let admin = try await OMSClient.connect(base)
        defer { Task { await admin.close() } }
        let session = try await admin.call("session.authenticate", ["api_key": .string(adminKey)])
        let tenantId = session["tenant_id"]?.stringValue ?? ""
        func ensure(_ method: String, _ params: [String: JSON]) async throws {
            do { _ = try await admin.call(method, params) } catch let error as OMSError where error.code == .alreadyExists {}
        }
        try await ensure("admin.create_portfolio", ["portfolio_id": .string(portfolio), "name": .string("Bench"),
                                                    "cash": .string("1000000000")])
        try await ensure("admin.create_account", ["account_id": .string(account), "portfolio_id": .string(portfolio)])
        try await ensure("admin.create_instrument", ["instrument_id": .string(instrument), "symbol": .string("BNCH")])
        var keys: [Role: String] = [:]
        for role in [Role.pm, .trader, .ops, .compliance, .system] {
            let id = "bench-\(role.rawValue.lowercased())"
            try await ensure("admin.create_principal", ["principal_id": .string(id), "role": .string(role.rawValue)])
            let issued = try await admin.call("admin.create_api_key", ["principal_id": .string(id)])
            keys[role] = issued["api_key"]?.stringValue
        }
        var configuration = base
        configuration.apiKey = nil
        return BenchSetup(configuration: configuration, tenantId: tenantId, keys: keys)
    }

    /// A connection authenticated as `role`.
    func connect(_ role: Role) async throws -> OMSClient {
        var configuration = self.configuration
        configuration.apiKey = keys[role]
        return try await OMSClient.connect(configuration)
    }
}
