@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket with a small receive buffer that reads only when
/// told to: a subscriber that stops reading, seen from the server as a
/// connection whose window closes.
final class SlowSocket: @unchecked Sendable {  // used from one task at a time
    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, receiveBuffer: Int32 = 4096) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size = receiveBuffer
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw HTTPTestError(description: "connect to \(port) failed: errno \(errno)")
        }
    }

    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// Reads lines until `done` says so or `seconds` pass without one arriving.
    func readLines(idle seconds: Double, until done: ([JSON]) -> Bool) -> [JSON] {
        var lines: [JSON] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !done(lines) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(seconds * 1000)) > 0 else { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                if let json = try? JSONParser.parse(pending[..<newline]) { lines.append(json) }
                pending.removeSubrange(...newline)
            }
        }
        return lines
    }

    func close() { Glibc.close(fd) }
}

@Suite("Faults: dropped clients and slow subscribers", .serialized)
struct ClientFaultTests {
    static func request(_ id: Int, _ method: String, _ params: [String: JSON]) -> String {
        JSON.object(["jsonrpc": .string("2.0"), "id": .int(id), "method": .string(method), "params": .object(params)])
            .serializedString
    }

    @Test("clients that vanish with requests in flight: the server stays up, other clients are unaffected, each command committed completely or not at all, pool and subscriptions are given back")
    func disconnectingClients() async throws {
        try await Fleet.with(sidecars: 1) { fleet in
            let sidecar = fleet.sidecars[0]
            let tag = "D\(uniqueTag())"
            let traderOrders = try await KeyedWork.ordersForTrader(fleet, on: sidecar, count: 6)
            let pm = try await fleet.client("pm", on: sidecar)
            var pmOrders: [String] = []
            for _ in 0..<6 { pmOrders.append(try #require(try await pm.call("oms.create_order", limitOrderParams)["order_id"]?.stringValue)) }

            let stop = Flag()
            let bystander = Tally()
            let frozenPM = pmOrders
            let clock = ContinuousClock(), started = clock.now
            var sent: [(key: String, method: String, orderId: String)] = []
            try await withThrowingTaskGroup(of: Void.self) { group in
                // A bystander on the same sidecar keeps working throughout.
                group.addTask {
                    let client = try await fleet.client("pm", on: sidecar)
                    while !stop.isSet {
                        let begun = ContinuousClock.now
                        let outcome = await attempt(client, "oms.create_order", limitOrderParams, timeout: 10)
                        await bystander.record("oms.create_order", outcome, seconds: (ContinuousClock.now - begun).seconds, allowed: [])
                    }
                    await client.close()
                }
                // Eight clients each pipeline 24 keyed commands, then vanish without reading an answer.
                for round in 0..<8 {
                    let trader = round % 2 == 1
                    let raw = try await RawConnection(port: sidecar.port)
                    try await raw.send(Self.request(0, "session.authenticate",
                                                    ["api_key": .string(fleet.keys[trader ? "trader" : "pm"]!)]))
                    if round == 0 { try await raw.send(Self.request(1, "oms.subscribe_orders", [:])) }
                    for index in 0..<24 {
                        let key = "\(tag)-r\(round)-\(index)"
                        let method: String, orderId: String, params: [String: JSON]
                        if trader {
                            orderId = traderOrders.randomElement()!
                            (method, params) = index % 2 == 0
                                ? ("ems.create_placement", ["order_id": .string(orderId), "venue": .string("XNYS"),
                                                            "quantity": .int(10), "strategy": .string(key)])
                                : ("ems.record_fill", ["order_id": .string(orderId), "exec_id": .string(key),
                                                       "quantity": .int(10), "price": .string("10")])
                        } else {
                            orderId = frozenPM.randomElement()!
                            method = "oms.update_order"
                            params = ["order_id": .string(orderId),
                                      "changes": .object(["metadata": .object(["key": .string(key)])])]
                        }
                        sent.append((key, method, orderId))
                        try await raw.send(Self.request(index + 2, method, params.merging(["idempotency_key": .string(key)]) { $1 }))
                    }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                    await raw.close()
                }
                try await Task.sleep(for: .seconds(1))
                stop.set()
                try await group.waitForAll()
            }
            #expect(sidecar.isRunning, "the server died")
            let unexpected = await bystander.unexpected
            #expect(unexpected.isEmpty, "the bystander got \(unexpected.prefix(5))")
            let latencies = await bystander.latencies.sorted()

            // Everything a vanished client held is given back.
            var scrape = Scrape("")
            let deadline = Date().addingTimeInterval(15)
            repeat {
                try await Task.sleep(for: .milliseconds(100))
                scrape = Scrape(try await httpGet(port: sidecar.metricsPort, "/metrics").body)
            } while Date() < deadline && (scrape.value("oms_requests_in_flight") != 0
                || scrape.value("oms_db_pool_connections_in_use") != 0 || scrape.value("oms_subscriptions") != 0
                || scrape.value("oms_connections") != 1)
            #expect(scrape.value("oms_requests_in_flight") == 0)
            #expect(scrape.value("oms_db_pool_connections_in_use") == 0)
            #expect(scrape.value("oms_subscriptions") == 0, "a vanished client's subscription is still registered")
            #expect(scrape.value("oms_connections") == 1, "connections still open: \(scrape.value("oms_connections"))")

            // Each command either committed with its key or left no trace at all.
            let traces = try await KeyedWork.traces(in: fleet, tag: tag)
            let keys = Set(try await fleet.values(
                "SELECT idempotency_key FROM idempotency_keys WHERE idempotency_key LIKE \(tag + "%")", as: String.self))
            var partial: [String] = []
            for command in sent {
                let trace = traces[command.key] ?? 0
                if trace > 1 || (trace == 1) != keys.contains(command.key) {
                    partial.append("\(command.key) \(command.method): \(trace) traces, key stored \(keys.contains(command.key))")
                }
            }
            #expect(partial.isEmpty, "\(partial.prefix(10))")
            let audit = try await fleet.audit()
            #expect(audit.problems.isEmpty, "\(audit.problems.prefix(10))")

            // The whole pool (4 connections) serves again: 16 calls at once from 4 clients.
            var clients: [OMSClient] = []
            for _ in 0..<4 { clients.append(try await fleet.client("pm", on: sidecar)) }
            let burstStarted = clock.now
            let burst = await withTaskGroup(of: Outcome.self) { group in
                for index in 0..<16 {
                    let client = clients[index % 4]
                    group.addTask { await attempt(client, "oms.get_order", ["order_id": .string(frozenPM[index % 6])], timeout: 10) }
                }
                return await group.reduce(into: [String]()) { $0.append($1.code) }
            }
            #expect(burst.allSatisfy { $0 == "OK" }, "\(burst)")
            let committed = traces.values.reduce(0, +)
            print("""
                disconnects: \(sent.count) commands sent by 8 vanishing clients, \(committed) committed, \
                \(sent.count - committed) never ran; bystander \(latencies.count) calls, p50 \
                \(Int(percentile(latencies, 0.5) * 1000)) ms, max \(Int((latencies.last ?? 0) * 1000)) ms; \
                16 calls on the returned pool in \(clock.now - burstStarted); whole test \(clock.now - started)
                """)
            for client in clients + [pm] { await client.close() }
        }
    }

    @Test("a subscriber that stops reading: callers and other subscribers on its sidecar are unaffected; it is cut off with OVERFLOW and resumes from last_event_id without loss; memory stays bounded")
    func slowSubscriber() async throws {
        try await Fleet.with(sidecars: 1, serveArguments: ["--subscription-buffer", "64"]) { fleet in
            let sidecar = fleet.sidecars[0]
            let fast = try await Subscriber.start(fleet, on: sidecar)
            let slow = try SlowSocket(port: sidecar.port)
            defer { slow.close() }
            slow.send(Self.request(1, "session.authenticate", ["api_key": .string(fleet.keys["ops"]!)]))
            slow.send(Self.request(2, "oms.subscribe_orders", [:]))
            try await Task.sleep(for: .milliseconds(200))
            let rssBefore = sidecar.residentKiB()

            // Three writers: orders with 20 updates each, every event carrying 8 KB of
            // metadata: 4 MB in all, more than the kernel buffers between the server and
            // the slow reader hold (on loopback the server's send buffer starts near 1.3 MB).
            let note = String(repeating: "x", count: 8192)
            let tally = Tally()
            let clock = ContinuousClock(), started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let client = try await fleet.client("pm", on: sidecar)
                        for _ in 0..<8 {
                            let begun = ContinuousClock.now
                            let created = await attempt(client, "oms.create_order", limitOrderParams, timeout: 10)
                            await tally.record("oms.create_order", created, seconds: (ContinuousClock.now - begun).seconds, allowed: [])
                            guard let id = created.result?["order_id"] else { continue }
                            for batch in 0..<5 {
                              await withTaskGroup(of: Void.self) { updates in
                                for serial in batch * 4..<batch * 4 + 4 {
                                    updates.addTask {
                                        let begun = ContinuousClock.now
                                        let outcome = await attempt(client, "oms.update_order", ["order_id": id, "changes": .object([
                                            "metadata": .object(["note": .string(note), "serial": .int(serial)])])], timeout: 10)
                                        await tally.record("oms.update_order", outcome,
                                                           seconds: (ContinuousClock.now - begun).seconds, allowed: [])
                                    }
                                }
                              }
                            }
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            let loadTime = clock.now - started
            let rssAfter = sidecar.residentKiB()
            let unexpected = await tally.unexpected
            #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
            let latencies = await tally.latencies.sorted()
            // A stall, not load noise: the bound is well above a healthy server's p99 on
            // 2 shared cores (docs/operations.md, "A slow subscriber").
            #expect(percentile(latencies, 0.99) < 10, "callers stalled: p99 \(percentile(latencies, 0.99)) s")
            let audit = try await fleet.audit()
            #expect(audit.problems.isEmpty)
            let fastStarted = clock.now
            let fastReceived = await fast.awaitEvents(audit.events)
            let fastWait = clock.now - fastStarted
            #expect(fastReceived == audit.eventIds, "fast subscriber: \(fastReceived.count) of \(audit.events)")

            // The slow one now reads: what it was sent, then the end with its last event id.
            let drained = try await blocking {
                slow.readLines(idle: 5) { lines in lines.contains { $0["method"]?.stringValue == "oms.subscription_ended" } }
            }
            let firstPart = drained.filter { $0["method"]?.stringValue == "oms.order_event" }
                .compactMap { $0["params"]?["event"]?["event_id"]?.intValue }
            let ended = drained.first { $0["method"]?.stringValue == "oms.subscription_ended" }?["params"]
            #expect(ended?["reason"]?.stringValue == "OVERFLOW", "no OVERFLOW end; \(firstPart.count) events read")
            let lastId = ended?["last_event_id"]?.intValue
            #expect(lastId == firstPart.last, "last_event_id \(String(describing: lastId)) vs last received \(String(describing: firstPart.last))")
            #expect(firstPart == Array(audit.eventIds.prefix(firstPart.count)), "the slow subscriber's events are not a prefix of the table's")
            #expect(firstPart.count < audit.events, "the slow subscriber got everything: nothing was held back")

            // Resume from last_event_id (again after each OVERFLOW: catching up through a
            // buffer of 64 can overflow it too) until every event has arrived.
            var rest: [Int] = [], resumes = 0, cursor = lastId ?? 0
            while firstPart.count + rest.count < audit.events, resumes < 30 {
                resumes += 1
                slow.send(Self.request(100 + resumes, "oms.subscribe_orders", ["after_event_id": .int(cursor)]))
                let wanted = audit.events - firstPart.count - rest.count
                let lines = try await blocking {
                    slow.readLines(idle: 3) { lines in
                        lines.filter { $0["method"]?.stringValue == "oms.order_event" }.count >= wanted
                            || lines.contains { $0["method"]?.stringValue == "oms.subscription_ended" }
                    }
                }
                rest += lines.filter { $0["method"]?.stringValue == "oms.order_event" }
                    .compactMap { $0["params"]?["event"]?["event_id"]?.intValue }
                guard let end = lines.first(where: { $0["method"]?.stringValue == "oms.subscription_ended" })?["params"]
                else { continue }
                #expect(end["reason"]?.stringValue == "OVERFLOW")
                cursor = end["last_event_id"]?.intValue ?? rest.last ?? cursor
            }
            try await Task.sleep(for: .milliseconds(300))
            let extra = try await blocking { slow.readLines(idle: 0.3) { _ in false } }
            rest += extra.filter { $0["method"]?.stringValue == "oms.order_event" }
                .compactMap { $0["params"]?["event"]?["event_id"]?.intValue }
            #expect(firstPart + rest == audit.eventIds, "resumed: \(firstPart.count) + \(rest.count) events, table \(audit.events)")
            let growth = (rssAfter - rssBefore) / 1024
            #expect(growth < 150, "server memory grew \(growth) MiB")
            print("""
                slow subscriber: \(latencies.count) calls, \(audit.events) events (~8 KB each) in \(loadTime), caller p50 \
                \(Int(percentile(latencies, 0.5) * 1000)) ms p99 \(Int(percentile(latencies, 0.99) * 1000)) ms; fast subscriber \
                complete \(fastWait) after the load; slow one cut off after \(firstPart.count) events (OVERFLOW, buffer 64), \
                resumed with \(rest.count) in \(resumes) subscriptions; RSS \(rssBefore / 1024) -> \(rssAfter / 1024) MiB
                """)
            await fast.client.close()
        }
    }
}
