@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSPostgres
import Testing

/// One keyed command a worker sent, and how it finally ended.
struct LedgerEntry: Sendable {
    let key: String
    let method: String
    let orderId: String
    let outcome: Outcome
    let attempts: Int

    /// The client believes the command committed: a success, or the CONFLICT
    /// that says it committed but its answer was lost with its server.
    var committed: Bool {
        switch outcome {
        case .ok: true
        case .refused("CONFLICT", let message): message.contains("committed")
        default: false
        }
    }
}

actor Ledger {
    private(set) var entries: [LedgerEntry] = []
    func add(_ entry: LedgerEntry) { entries.append(entry) }
    var count: Int { entries.count }
}

/// Keyed workloads whose every command leaves a trace that names its key, so
/// the database can be compared with what the clients were told.
enum KeyedWork {
    /// A PM's order: create, two metadata updates, request pre-trade, cancel;
    /// every command with its own idempotency key.
    static func pmOrder(_ caller: Caller, key: String, ledger: Ledger) async -> Bool {
        var params = limitOrderParams
        params["idempotency_key"] = .string("\(key)-create")
        let (created, attempts) = await caller.call("oms.create_order", params)
        await ledger.add(LedgerEntry(key: "\(key)-create", method: "oms.create_order",
                                     orderId: created.result?["order_id"]?.stringValue ?? "", outcome: created, attempts: attempts))
        guard let orderId = created.result?["order_id"]?.stringValue else { return false }
        let steps: [(String, String, [String: JSON])] = [
            ("update1", "oms.update_order", ["changes": .object(["metadata": .object(["key": .string("\(key)-update1")])])]),
            ("update2", "oms.update_order", ["changes": .object(["metadata": .object(["key": .string("\(key)-update2")])])]),
            ("request", "oms.request_pre_trade_compliance", [:]),
            ("cancel", "oms.cancel_order", ["reason": .string("done")]),
        ]
        for (step, method, extra) in steps {
            var params = extra
            params["order_id"] = .string(orderId)
            params["idempotency_key"] = .string("\(key)-\(step)")
            let (outcome, attempts) = await caller.call(method, params)
            await ledger.add(LedgerEntry(key: "\(key)-\(step)", method: method, orderId: orderId, outcome: outcome,
                                         attempts: attempts))
            guard outcome.result != nil else { return false }
        }
        return true
    }

    /// A trader working an order that was sent to it: placements of 100 named
    /// by their key (`strategy`) and fills of 100 (exec_id = key).
    static func traderOrder(_ caller: Caller, orderId: String, key: String, slices: Int, ledger: Ledger) async {
        for slice in 0..<slices {
            let placementKey = "\(key)-p\(slice)", fillKey = "\(key)-f\(slice)"
            let (placed, placeAttempts) = await caller.call("ems.create_placement", [
                "order_id": .string(orderId), "venue": .string("XNYS"), "quantity": .int(100),
                "strategy": .string(placementKey), "idempotency_key": .string(placementKey)])
            await ledger.add(LedgerEntry(key: placementKey, method: "ems.create_placement", orderId: orderId,
                                         outcome: placed, attempts: placeAttempts))
            let (filled, fillAttempts) = await caller.call("ems.record_fill", [
                "order_id": .string(orderId), "exec_id": .string(fillKey), "quantity": .int(100),
                "price": .string("10.25"), "idempotency_key": .string(fillKey)])
            await ledger.add(LedgerEntry(key: fillKey, method: "ems.record_fill", orderId: orderId,
                                         outcome: filled, attempts: fillAttempts))
        }
    }

    /// Orders created, cleared and sent to the trader through `sidecar`.
    static func ordersForTrader(_ fleet: Fleet, on sidecar: Sidecar, count: Int) async throws -> [String] {
        let pm = try await fleet.client("pm", on: sidecar)
        let compliance = try await fleet.client("compliance", on: sidecar)
        var ids: [String] = []
        for _ in 0..<count {
            let id = try #require(try await pm.call("oms.create_order", limitOrderParams)["order_id"]?.stringValue)
            _ = try await pm.call("oms.request_pre_trade_compliance", ["order_id": .string(id)])
            _ = try await compliance.call("oms.pass_pre_trade_compliance", ["order_id": .string(id)])
            _ = try await pm.call("oms.send_to_trader", ["order_id": .string(id)])
            ids.append(id)
        }
        await pm.close()
        await compliance.close()
        return ids
    }

    /// Compares the ledger with the database: every key the clients believe
    /// committed left exactly one trace, every other key none; fills add up.
    /// How many times each keyed change under `tag` left its trace: an
    /// update's metadata key, a placement's strategy, a fill's exec_id.
    static func traces(in fleet: Fleet, tag: String) async throws -> [String: Int] {
        Dictionary(try await fleet.withPool { database in
            try await database.pool.query("""
                SELECT k, count(*)::int FROM (
                    SELECT payload->'changes'->'metadata'->>'key' AS k FROM order_events
                    WHERE tenant_id = 't1' AND command = 'update_order'
                    UNION ALL SELECT strategy FROM placements WHERE tenant_id = 't1'
                    UNION ALL SELECT exec_id FROM fills WHERE tenant_id = 't1'
                ) t WHERE k LIKE \(tag + "%") GROUP BY k
                """).map { try $0.decode((String, Int).self) }
        }, uniquingKeysWith: +)
    }

    static func check(_ ledger: [LedgerEntry], in fleet: Fleet, tag: String) async throws -> [String] {
        var problems: [String] = []
        let createdOrders = Dictionary(try await fleet.withPool { database in
            try await database.pool.query("""
                SELECT idempotency_key, order_id FROM orders WHERE tenant_id = 't1' AND idempotency_key LIKE \(tag + "%")
                """).map { try $0.decode((String, String).self) }
        }, uniquingKeysWith: { first, _ in first })
        let traceCount = try await traces(in: fleet, tag: tag)
        let perOrder = try await fleet.withPool { database in
            try await database.pool.query("""
                SELECT order_id, command, count(*)::int FROM order_events
                WHERE tenant_id = 't1' AND command IN ('request_pre_trade_compliance', 'cancel_order', 'record_fill')
                GROUP BY order_id, command
                """).map { try $0.decode((String, String, Int).self) }
        }
        let eventCount = Dictionary(perOrder.map { ("\($0.0)/\($0.1)", $0.2) }, uniquingKeysWith: +)
        var fillsBelieved: [String: Int] = [:]
        for entry in ledger {
            switch entry.method {
            case "oms.create_order":
                let stored = createdOrders[entry.key]
                if entry.committed, stored == nil || (entry.orderId != "" && stored != entry.orderId) {
                    problems.append("\(entry.key): client got order \(entry.orderId), database has \(stored ?? "none")")
                }
                if !entry.committed, stored != nil { problems.append("\(entry.key): not answered but created \(stored!)") }
            case "oms.update_order", "ems.create_placement", "ems.record_fill":
                let count = traceCount[entry.key] ?? 0
                if count != (entry.committed ? 1 : 0) {
                    problems.append("\(entry.key) \(entry.method): client told \(entry.outcome), database has \(count) (after \(entry.attempts) attempts)")
                }
                if entry.method == "ems.record_fill", entry.committed { fillsBelieved[entry.orderId, default: 0] += 1 }
            default:
                let command = String(entry.method.split(separator: ".").last!)
                let count = eventCount["\(entry.orderId)/\(command)"] ?? 0
                if count != (entry.committed ? 1 : 0) {
                    problems.append("\(entry.key) \(entry.method): client told \(entry.outcome), database has \(count) events (after \(entry.attempts) attempts)")
                }
            }
        }
        for (orderId, fills) in fillsBelieved where eventCount["\(orderId)/record_fill"] != fills {
            problems.append("\(orderId): clients believe \(fills) fills, \(eventCount["\(orderId)/record_fill"] ?? 0) recorded")
        }
        return problems
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Counts outcome codes.
actor CodeCounter {
    private(set) var counts: [String: Int] = [:]
    func add(_ code: String) { counts[code, default: 0] += 1 }
}

/// A one-way switch shared by tasks.
final class Flag: @unchecked Sendable {  // `stored` is only touched under `lock`
    private let lock = NSLock()
    private var stored = false
    var isSet: Bool { lock.withLock { stored } }
    func set() { lock.withLock { stored = true } }
}
