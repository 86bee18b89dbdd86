@testable import OMSServerTestSupport
import CoreMetrics
import Foundation
import Logging
import Synchronization
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSTesting
import Testing

/// The limits that keep one client from hurting the others, each over real TCP.
@Suite("Limits")
struct LimitsTests {
    static let listOrders = #"{"jsonrpc":"2.0","id":1,"method":"oms.list_orders"}"#

    func authenticated(_ server: TestServer, as principal: String = "pm") async throws -> RawConnection {
        let connection = try await RawConnection(port: server.port)
        let answer = try await connection.roundTrip(authenticate(server.keys["t1/\(principal)"]!))
        #expect(answer?["result"]?["role"] != nil, "authentication failed: \(String(describing: answer))")
        return connection
    }

    func authenticate(_ key: String, id: Int = 0) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#
    }

    @Test("a batch over the limit is refused whole with one LIMIT_EXCEEDED error and nothing in it runs")
    func batchSize() async throws {
        try await TestServer.with(configuration: .init(maximumBatchSize: 3)) { server in
            let c = try await authenticated(server)
            let create = { (id: Int) in
                #"{"jsonrpc":"2.0","id":\#(id),"method":"oms.create_order","params":{"portfolio_id":"PORT-001","instrument_id":"INS-1","direction":"Buy","ordered_quantity":1,"order_type":"Market","time_in_force":"Day"}}"#
            }
            let refused = try await c.roundTrip("[" + (1...4).map(create).joined(separator: ",") + "]")
            #expect(refused?.arrayValue == nil, "an over-limit batch must get one error, not per-item answers")
            #expect(refused?.errorCode == -32026)
            #expect(refused?.errorName == "LIMIT_EXCEEDED")
            #expect(refused?["error"]?["data"]?["limit"] == .string("max_batch_size"))
            #expect(refused?["id"] == .null)
            let listed = try await c.roundTrip(Self.listOrders)
            #expect(listed?["result"]?["orders"]?.arrayValue?.count == 0, "a refused batch created orders")
            // At the limit, the batch runs and the connection keeps working.
            let accepted = try await c.roundTrip("[" + (1...3).map(create).joined(separator: ",") + "]")
            #expect(accepted?.arrayValue?.count == 3)
            #expect(accepted?.arrayValue?.allSatisfy { $0["result"]?["order_id"] != nil } == true)
            await c.close()
        }
    }

    @Test("a line over the maximum length, split across writes, is answered with -32600 and the connection closed")
    func lineLength() async throws {
        try await TestServer.with(configuration: .init(maximumLineLength: 1024)) { server in
            let c = try await authenticated(server)
            // Exactly at the limit is a request (here an unknown method), one byte more is not.
            let method = String(repeating: "m", count: 1024 - #"{"jsonrpc":"2.0","id":1,"method":""}"#.utf8.count)
            let atLimit = #"{"jsonrpc":"2.0","id":1,"method":"\#(method)"}"#
            #expect(atLimit.utf8.count == 1024)
            #expect(try await c.roundTrip(atLimit)?.errorCode == -32601)
            let over = Array(#"{"jsonrpc":"2.0","id":2,"method":"\#(method)x"}"#.utf8)
            try await c.send(Array(over[..<500]))
            try await c.send(Array(over[500...]) + [10])
            let answer = try await c.receive()
            #expect(answer?.errorCode == -32600)
            #expect(answer?["error"]?["message"]?.stringValue?.contains("longer than 1024 bytes") == true)
            let closed = try await c.receive(within: .seconds(10))
            #expect(closed == nil, "the connection stays open after an over-long line")
            await c.close()
        }
    }

    @Test("requests in flight per connection stay at the limit, and 300 pipelined requests are each answered once")
    func inFlight() async throws {
        let peak = PeakMeterFactory()
        try await TestServer.with(configuration: .init(maximumInFlightPerConnection: 2),
                                  metrics: ServerMetrics(factory: peak)) { server in
            let c = try await authenticated(server)
            var payload: [UInt8] = []
            for i in 1...300 {
                payload += Array(#"{"jsonrpc":"2.0","id":\#(i),"method":"oms.list_orders","params":{"limit":1}}"#.utf8) + [10]
            }
            try await c.send(payload)
            var seen: [Int: Int] = [:]
            for _ in 1...300 {
                let answer = try #require(try await c.receive())
                #expect(answer["result"] != nil)
                seen[answer["id"]?.intValue ?? -1, default: 0] += 1
            }
            #expect(Set(seen.keys) == Set(1...300) && seen.values.allSatisfy { $0 == 1 })
            let observed = peak.peak("oms_requests_in_flight")
            #expect((1...2).contains(observed), "\(observed) requests of one connection ran at once; the limit is 2")
            await c.close()
        }
    }

    @Test("connections over the per-address limit get one LIMIT_EXCEEDED line and are closed; others are unaffected; closing frees a slot")
    func connectionsPerAddress() async throws {
        try await TestServer.with(configuration: .init(maximumConnectionsPerAddress: 2)) { server in
            let first = try await authenticated(server)
            let second = try await authenticated(server)
            let third = try await RawConnection(port: server.port)
            // Sent before reading: without the limit this is answered like any authentication.
            try await third.send(authenticate(server.keys["t1/pm"]!))
            let refused = try await third.receive(within: .seconds(10))
            #expect(refused?.errorCode == -32026)
            #expect(refused?.errorName == "LIMIT_EXCEEDED")
            #expect(refused?["error"]?["data"]?["limit"] == .string("max_connections_per_address"))
            if refused?.errorCode == -32026 {
                let closed = try await third.receive(within: .seconds(10))
                #expect(closed == nil, "the refused connection is closed")
            }
            await third.close()
            #expect(try await first.roundTrip(Self.listOrders)?["result"] != nil)
            #expect(try await second.roundTrip(Self.listOrders)?["result"] != nil)

            await second.close()
            // The slot is freed when the server has seen the close; give it a moment.
            var admitted = false
            for _ in 0..<50 where !admitted {
                let next = try await RawConnection(port: server.port)
                let answer = try await next.roundTrip(authenticate(server.keys["t1/pm"]!))
                admitted = answer?["result"]?["role"] != nil
                await next.close()
                if !admitted { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(admitted, "closing a connection did not free its slot")
            await first.close()
        }
    }

    @Test("subscriptions per connection are limited; unsubscribing frees one; other connections have their own")
    func subscriptionsPerConnection() async throws {
        try await TestServer.with(limits: TestLimits(subscriptionsPerConnection: 2)) { server in
            let client = try await server.client("pm")
            let a = try await client.call("oms.subscribe_orders")
            _ = try await client.call("oms.subscribe_compliance")
            let third = await expectCode(.limitExceeded) { _ = try await client.call("oms.subscribe_orders") }
            #expect(third?.details["limit"] == "max_subscriptions")
            let name = try #require(a["subscription_id"]?.stringValue)
            _ = try await client.call("oms.unsubscribe", ["subscription_id": .string(name)])
            _ = try await client.call("oms.subscribe_orders")
            let other = try await server.client("trader")
            _ = try await other.call("oms.subscribe_orders")
            _ = try await other.call("oms.subscribe_orders")
            await other.close()
            await client.close()
        }
    }

    @Test("order metadata over the size limit is INVALID_PARAMS on create and update, and changes nothing")
    func metadataSize() async throws {
        try await TestServer.with(limits: TestLimits(metadataBytes: 256)) { server in
            let pm = try await server.client("pm")
            let big: JSON = .object(["note": .string(String(repeating: "x", count: 300))])
            let small: JSON = .object(["desk": .string("rates")])
            do {
                _ = try await pm.createOrder(["metadata": big])
                Issue.record("an order with 300+ bytes of metadata was created")
            } catch let error as RPCError {
                #expect(error.code == -32602 && error.data?["field"] == .string("metadata"), "\(error)")
                #expect(error.data?["limit"] == .int(256))
            }
            let listed = try await pm.call("oms.list_orders")
            #expect(listed["orders"]?.arrayValue?.count == 0, "a refused create left an order")

            let orderId = try await pm.createOrder(["metadata": small])
            let before = try await pm.step("oms.get_order", orderId)
            do {
                _ = try await pm.call("oms.update_order", ["order_id": .string(orderId), "changes": .object(["metadata": big])])
                Issue.record("an update to 300+ bytes of metadata was accepted")
            } catch let error as RPCError {
                #expect(error.code == -32602 && error.data?["field"] == .string("changes.metadata"), "\(error)")
            }
            let after = try await pm.step("oms.get_order", orderId)
            #expect(after["metadata"] == small && after["version"] == before["version"], "a refused update changed the order")
            await pm.close()
        }
    }

    @Test("failed authentications are rate-limited per address without checking the key, logged without the key, and released after the window")
    func authenticationRateLimit() async throws {
        let records = LogRecords()
        let logger = Logger(label: "oms.test.limits") { _ in CapturingLogHandler(records: records) }
        // The throttle's clock stands still until the test moves it, so a slow machine cannot end the window early.
        let clock = ManualClock()
        let window = Duration.seconds(60)
        try await TestServer.with(limits: TestLimits(authentication: .init(failures: 3, window: window), clock: clock),
                                  logger: logger) { server in
            let secret = "omsk.t1.K0.Sup3rSecretGuess\(UInt32.random(in: 0...UInt32.max))"
            let valid = server.keys["t1/pm"]!
            let c = try await RawConnection(port: server.port)
            for id in 1...3 {
                let answer = try await c.roundTrip(authenticate(secret, id: id))
                #expect(answer?.errorName == "UNAUTHENTICATED", "attempt \(id): \(String(describing: answer))")
            }
            // Engaged: even the right key is refused, from any connection of the address.
            let limited = try await c.roundTrip(authenticate(valid, id: 4))
            #expect(limited?.errorCode == -32027)
            #expect(limited?.errorName == "RATE_LIMITED")
            #expect(limited?["error"]?["data"]?["retry_after_seconds"] != nil)
            let another = try await RawConnection(port: server.port)
            #expect(try await another.roundTrip(authenticate(valid, id: 5))?.errorName == "RATE_LIMITED")

            let lines = records.lines
            let warning = lines.first { $0.hasPrefix("warning") && $0.contains("authentication failures") }
            #expect(warning?.contains("address=127.0.0.1") == true && warning?.contains("failures=3") == true,
                    "no warning with the address and count: \(lines)")
            let secretPart = String(secret.split(separator: ".").last!)
            let validPart = String(valid.split(separator: ".").last!)
            for line in lines {
                #expect(!line.contains(secretPart) && !line.contains(validPart), "a key reached the log: \(line)")
            }

            // Not yet: one second before the window ends, still refused.
            clock.advance(by: window - .seconds(1))
            #expect(try await c.roundTrip(authenticate(valid, id: 6))?.errorName == "RATE_LIMITED")
            // The window passes: the limiter releases and the key is checked again.
            clock.advance(by: .seconds(1))
            let released = try await c.roundTrip(authenticate(valid, id: 7))
            #expect(released?["result"]?["role"] != nil, "still refused after the window: \(String(describing: released))")
            await another.close()
            await c.close()
        }
    }
}

/// Every log record as one line: level, message, then metadata as key=value.
final class LogRecords: Sendable {
    private let box = Mutex<[String]>([])
    var lines: [String] { box.withLock { $0 } }
    func append(_ line: String) { box.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        records.append("\(event.level) \(event.message) \(fields)" + (event.error.map { " error=\($0)" } ?? ""))
    }
}

/// A metrics factory that remembers the highest value each meter reached; everything else is dropped.
final class PeakMeterFactory: MetricsFactory, Sendable {
    private let meters = Mutex<[String: PeakMeter]>([:])

    func peak(_ label: String) -> Int { meters.withLock { $0[label] }.map { Int($0.peak) } ?? 0 }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        meters.withLock { meters in
            if let meter = meters[label] { return meter }
            let meter = PeakMeter()
            meters[label] = meter
            return meter
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        NOOPMetricsHandler.instance
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
}

final class PeakMeter: MeterHandler, Sendable {
    private let value = Mutex((current: 0.0, peak: 0.0))
    var peak: Double { value.withLock { $0.peak } }

    private func update(_ change: (inout Double) -> Void) {
        value.withLock { value in
            change(&value.current)
            value.peak = max(value.peak, value.current)
        }
    }

    func set(_ value: Int64) { update { $0 = Double(value) } }
    func set(_ value: Double) { update { $0 = value } }
    func increment(by amount: Double) { update { $0 += amount } }
    func decrement(by amount: Double) { update { $0 -= amount } }
}
