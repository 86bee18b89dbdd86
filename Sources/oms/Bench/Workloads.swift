import Foundation
import OMSClient
import OMSCore
import OMSProtocol

/// Times one call into the result.
func timed(_ result: inout BenchResult, _ command: String, _ body: () async throws -> JSON) async throws -> JSON {
    let start = ContinuousClock.now
    let value = try await body()
    result.record(command, micros: (ContinuousClock.now - start).microseconds)
    return value
}

/// Each client drives whole orders from create to RECONCILED, each step by its role.
struct LifecycleWorkload: Sendable {
    let setup: BenchSetup
    let clients: Int
    let duration: Double

    func run() async throws -> BenchResult {
        try await runClients(clients, duration: duration) { client, deadline in try await self.client(client, until: deadline) }
    }

    private func client(_ index: Int, until deadline: ContinuousClock.Instant) async throws -> BenchResult {
        let pm = try await setup.connect(.pm), trader = try await setup.connect(.trader)
        let ops = try await setup.connect(.ops), compliance = try await setup.connect(.compliance)
        var result = BenchResult()
        var sequence = 0
        while ContinuousClock.now < deadline {
            sequence += 1
            let created = try await timed(&result, "create_order") {
                try await pm.call("oms.create_order", [
                    "portfolio_id": .string(BenchSetup.portfolio), "instrument_id": .string(BenchSetup.instrument),
                    "direction": .string("Buy"), "ordered_quantity": .number("100"), "order_type": .string("Limit"),
                    "time_in_force": .string("Day"), "limit_price": .string("10.5")])
            }
            let id = JSON.string(created["order_id"]?.stringValue ?? "")
            let steps: [(String, OMSClient, [String: JSON])] = [
                ("oms.request_pre_trade_compliance", pm, [:]), ("oms.pass_pre_trade_compliance", compliance, [:]),
                ("oms.send_to_trader", pm, [:]),
                ("ems.create_placement", trader, ["venue": .string("XBENCH"), "quantity": .number("100")]),
                ("ems.record_fill", trader, ["exec_id": .string("b\(index)-\(sequence)-1"), "quantity": .number("60"),
                                             "price": .string("10.5")]),
                ("ems.record_fill", trader, ["exec_id": .string("b\(index)-\(sequence)-2"), "quantity": .number("40"),
                                             "price": .string("10.4")]),
                ("oms.close_order", trader, [:]), ("oms.send_to_operations", trader, [:]),
                ("oms.request_post_trade_compliance", ops, [:]), ("oms.pass_post_trade_compliance", compliance, [:]),
                ("oms.create_allocation", ops, ["account_id": .string(BenchSetup.account),
                                                "portfolio_id": .string(BenchSetup.portfolio), "quantity": .number("100")]),
                ("oms.confirm_order", ops, [:]), ("oms.settle_order", ops, [:]), ("oms.reconcile_order", ops, [:]),
            ]
            for (method, client, params) in steps {
                _ = try await timed(&result, String(method.split(separator: ".")[1])) {
                    try await client.call(method, params.merging(["order_id": id]) { $1 })
                }
            }
            result.orders += 1
        }
        for client in [pm, trader, ops, compliance] { await client.close() }
        return result
    }
}

/// Concurrent fills of 1 on a pool of routed orders; fewer orders than clients means contention.
struct FillsWorkload: Sendable {
    let setup: BenchSetup
    let clients: Int
    let duration: Double
    /// Routed orders with an open placement each (`BenchSetup.routedOrders`).
    let pool: [String]

    func run() async throws -> BenchResult {
        try await runClients(clients, duration: duration) { client, deadline in
            let connection = try await setup.connect(client.isMultiple(of: 2) ? .trader : .system)
            let result = try await Self.recordFills(on: connection, client: client, pool: pool, until: deadline)
            await connection.close()
            return result
        }
    }

    /// Fills of 1 on random orders of `pool` until the deadline, timed;
    /// `sending` sees each exec_id just before its command goes out.
    static func recordFills(
        on connection: OMSClient, client: Int, pool: [String], until deadline: ContinuousClock.Instant,
        sending: @Sendable (String) async -> Void = { _ in }
    ) async throws -> BenchResult {
        var result = BenchResult()
        var n = 0
        while ContinuousClock.now < deadline {
            n += 1
            let execId = "f\(client)-\(n)-\(UUID().uuidString.prefix(8))"
            await sending(execId)
            _ = try await timed(&result, "record_fill") {
                try await connection.call("ems.record_fill", [
                    "order_id": .string(pool.randomElement()!), "exec_id": .string(execId),
                    "quantity": .number("1"), "price": .string("10.25")])
            }
        }
        return result
    }
}
