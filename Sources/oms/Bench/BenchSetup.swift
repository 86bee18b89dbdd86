import ArgumentParser
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
        do {
            let setup = try await prepare(admin, base: base, adminKey: adminKey)
            await admin.close()
            return setup
        } catch {
            await admin.close()
            throw error
        }
    }

    private static func prepare(_ admin: OMSClient, base: OMSClientConfiguration, adminKey: String) async throws
        -> BenchSetup
    {
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

    /// The same principals on another sidecar of the same database.
    func on(_ address: String) throws -> BenchSetup {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("address must be host:port, got \(address)") }
        var configuration = self.configuration
        configuration.host = String(parts[0])
        configuration.port = port
        return BenchSetup(configuration: configuration, tenantId: tenantId, keys: keys)
    }

    /// A connection authenticated as `role`.
    func connect(_ role: Role) async throws -> OMSClient {
        var configuration = self.configuration
        configuration.apiKey = keys[role]
        return try await OMSClient.connect(configuration)
    }

    /// `count` new orders, each routed with one open placement for its whole quantity.
    func routedOrders(_ count: Int) async throws -> [String] {
        let pm = try await connect(.pm), compliance = try await connect(.compliance), trader = try await connect(.trader)
        var pool: [String] = []
        for _ in 0..<count {
            let created = try await pm.call("oms.create_order", [
                "portfolio_id": .string(Self.portfolio), "instrument_id": .string(Self.instrument),
                "direction": .string("Buy"), "ordered_quantity": .number("100000000"), "order_type": .string("Market"),
                "time_in_force": .string("Day")])
            let id = JSON.string(created["order_id"]?.stringValue ?? "")
            _ = try await pm.call("oms.request_pre_trade_compliance", ["order_id": id])
            _ = try await compliance.call("oms.pass_pre_trade_compliance", ["order_id": id])
            _ = try await pm.call("oms.send_to_trader", ["order_id": id])
            _ = try await trader.call("ems.create_placement", ["order_id": id, "venue": .string("XBENCH"),
                                                               "quantity": .number("100000000")])
            pool.append(id.stringValue ?? "")
        }
        for client in [pm, compliance, trader] { await client.close() }
        return pool
    }
}
