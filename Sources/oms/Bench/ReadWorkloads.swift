import Foundation
import OMSClient
import OMSCore
import OMSProtocol

/// `oms.list_orders` with a random filter per call against the loaded table
/// (see ListLoad): one histogram per kind of filter, first page of 100.
struct ListWorkload: Sendable {
    let setup: BenchSetup
    let clients: Int
    let duration: Double

    static func filter(_ kind: Int) -> (String, [String: JSON]) {
        let portfolio = JSON.string(ListLoad.portfolios.randomElement()!)
        let instrument = JSON.string(ListLoad.instruments.randomElement()!)
        let state = JSON.string(ListLoad.states.randomElement()!)
        switch kind {
        case 0: return ("list:none", [:])
        case 1: return ("list:portfolio", ["portfolio_id": portfolio])
        case 2: return ("list:state", ["state": state])
        case 3: return ("list:instrument", ["instrument_id": instrument])
        case 4: return ("list:portfolio+state", ["portfolio_id": portfolio, "state": state])
        default:
            // A day somewhere in the loaded year.
            let day = Date(timeIntervalSinceNow: -Double(Int.random(in: 1...360)) * 86_400)
            return ("list:created-range", ["created_after": .string(ISO8601DateFormatter().string(from: day)),
                                           "created_before": .string(ISO8601DateFormatter().string(from: day + 86_400))])
        }
    }

    func run() async throws -> BenchResult {
        try await runClients(clients, duration: duration) { _, deadline in
            let connection = try await setup.connect(.pm)
            var result = BenchResult()
            while ContinuousClock.now < deadline {
                let (name, params) = Self.filter(Int.random(in: 0...5))
                let page = try await timed(&result, name) { try await connection.call("oms.list_orders", params) }
                if case .array(let orders)? = page["orders"], orders.isEmpty { result.errors["empty pages (no order matched)", default: 0] += 1 }
            }
            await connection.close()
            return result
        }
    }
}

/// Commit-to-subscriber latency across two sidecars: clients record fills
/// through both, and a subscriber on each sidecar follows the order stream.
/// A fill's latency runs from sending its command (so it includes the command
/// itself: an upper bound on commit to delivery) to the arrival of its event.
struct EventsWorkload: Sendable {
    let setup: BenchSetup
    let second: BenchSetup
    let clients: Int
    let duration: Double
    /// Routed orders with an open placement each (`BenchSetup.routedOrders`).
    let pool: [String]

    /// Send instants by exec_id, and arrivals by sidecar and exec_id.
    actor Clock {
        var sent: [String: ContinuousClock.Instant] = [:]
        var arrived: [Int: [String: ContinuousClock.Instant]] = [:]
        /// Wall-clock seconds from the event's recorded_at (stored just before its commit) to arrival.
        var sinceRecorded: [Int: [Double]] = [:]
        func recorded(_ sidecar: Int, _ seconds: Double) { sinceRecorded[sidecar, default: []].append(seconds) }
        func send(_ execId: String, _ at: ContinuousClock.Instant) { sent[execId] = at }
        func arrive(_ sidecar: Int, _ execId: String, _ at: ContinuousClock.Instant) { arrived[sidecar, default: [:]][execId] = at }
        func count(_ sidecar: Int) -> Int { arrived[sidecar]?.count ?? 0 }
    }

    func run() async throws -> BenchResult {
        let clock = Clock()
        var subscribers: [(OMSClient, Task<Void, Never>)] = []
        for (index, sidecar) in [setup, second].enumerated() {
            let client = try await sidecar.connect(.pm)
            _ = try await client.call("oms.subscribe_orders", ["portfolio_id": .string(BenchSetup.portfolio)])
            let reader = Task {
                for await note in client.notifications where note.method == "oms.order_event" {
                    let arrival = ContinuousClock.now
                    if let text = note.params?["event"]?["recorded_at"]?.stringValue, let recorded = Timestamp.parse(text) {
                        await clock.recorded(index, Date().timeIntervalSince(recorded))
                    }
                    if let execId = note.params?["event"]?["payload"]?["fill"]?["exec_id"]?.stringValue {
                        await clock.arrive(index, execId, arrival)
                    }
                }
            }
            subscribers.append((client, reader))
        }
        var total = try await runClients(clients, duration: duration) { client, deadline in
            let connection = try await (client.isMultiple(of: 2) ? setup : second).connect(.trader)
            let result = try await FillsWorkload.recordFills(on: connection, client: client, pool: pool, until: deadline) {
                await clock.send($0, ContinuousClock.now)
            }
            await connection.close()
            return result
        }
        // Let the last events arrive (the hub also polls every 500 ms).
        let expected = total.commands
        for _ in 0..<50 {
            let delivered = (await clock.count(0), await clock.count(1))
            if delivered.0 >= expected && delivered.1 >= expected { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        for (client, reader) in subscribers { await client.close(); await reader.value }
        let sent = await clock.sent, arrived = await clock.arrived, sinceRecorded = await clock.sinceRecorded
        for sidecar in 0..<2 {
            let name = "event delivery, sidecar \(sidecar == 0 ? "A" : "B")"
            for (execId, start) in sent {
                guard let arrival = arrived[sidecar]?[execId] else {
                    total.errors["\(name): not delivered", default: 0] += 1
                    continue
                }
                total.recordLatency(name, arrival - start)
            }
            for seconds in sinceRecorded[sidecar] ?? [] {
                total.recordLatency("\(name) from recorded_at", .microseconds(Int64(max(0, seconds) * 1e6)))
            }
        }
        return total
    }
}

/// Runs `body` for each of `clients` concurrent clients until the deadline and merges their results.
func runClients(
    _ clients: Int, duration: Double,
    _ body: @escaping @Sendable (Int, ContinuousClock.Instant) async throws -> BenchResult
) async throws -> BenchResult {
    let start = ContinuousClock.now
    let deadline = start + .milliseconds(Int(duration * 1000))
    var total = try await withThrowingTaskGroup(of: BenchResult.self) { group in
        for client in 0..<clients { group.addTask { try await body(client, deadline) } }
        return try await group.reduce(into: BenchResult()) { $0.merge($1) }
    }
    total.elapsed = (ContinuousClock.now - start).seconds
    return total
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var microseconds: UInt64 { UInt64(max(0, seconds * 1e6)) }
}
