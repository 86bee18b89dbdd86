@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSTesting
import Testing

/// `oms serve` as a user runs it: a real process with its own embedded PostgreSQL.
@Suite("oms serve")
struct ServeProcessTests {
    static func freePort() -> Int { Int.random(in: 20_000..<40_000) }

    @Test("oms serve starts an embedded database, seeds the demo, serves the SDK example and its metrics, and stops cleanly on SIGTERM")
    func serveEmbedded() async throws {
        let binary = omsBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) missing: run `swift build` first")
        let dataDir = NSTemporaryDirectory() + "oms-serve-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let port = Self.freePort(), metricsPort = port + 1
        let output = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDir, "--port", "\(port)", "--log-level", "warning",
                             "--metrics-port", "\(metricsPort)"]
        var environment = ProcessInfo.processInfo.environment
        environment["OMS_DATABASE_URL"] = nil
        process.environment = environment
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // Reading the pipe blocks; a server that never prints must not hang the test run.
        let watchdog = Task {
            try await Task.sleep(nanoseconds: 120_000_000_000)
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }

        // Wait for the listening line (initdb and the first start take a few seconds).
        var printed = ""
        let deadline = Date().addingTimeInterval(120)
        while !printed.contains("oms listening"), Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            printed += String(decoding: chunk, as: UTF8.self)
        }
        try #require(printed.contains("oms listening"), "oms serve did not start:\n\(printed)")
        #expect(printed.contains("seeded demo tenant"))

        let keys = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dataDir + "/demo-keys.json"))))
        let pmKey = try #require(keys["PM"]?["api_key"]?.stringValue)
        let client = try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: port, apiKey: pmKey))
        let created = try await client.call("oms.create_order", [
            "portfolio_id": .string("PORT-001"), "instrument_id": .string("INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e"),
            "direction": .string("Buy"), "ordered_quantity": .number("1000"), "order_type": .string("Limit"),
            "time_in_force": .string("Day"), "limit_price": .number("150.25")])
        let orderId = try #require(created["order_id"]?.stringValue)
        let order = try await client.call("oms.get_order", ["order_id": .string(orderId)])
        #expect(order["state"]?.stringValue == "CREATED")
        await client.close()
        #expect(printed.contains("oms metrics, health and readiness on http://127.0.0.1:\(metricsPort)/metrics"))
        let metrics = Scrape(try await httpGet(port: metricsPort, "/metrics").body)
        #expect(metrics.value("oms_requests_total", ["method": "oms.create_order", "code": "OK"]) == 1)
        #expect(metrics.value("oms_requests_total", ["method": "session.authenticate", "code": "OK"]) == 1)
        #expect(try await awaitReadiness(200, port: metricsPort, within: 10).status == 200)

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let pidFile = dataDir + "/postgres/postmaster.pid"
        #expect(!FileManager.default.fileExists(atPath: pidFile), "embedded PostgreSQL still running")
    }

    @Test("oms migrate and oms admin name PostgreSQL's reason when they cannot connect")
    func unreachableDatabase() async throws {
        let server = try await TestPostgres.server()
        let missing = "oms_missing_\(UUID().uuidString.prefix(8).lowercased())"
        let url = server.url(database: missing)
        for arguments in [["migrate"], ["admin", "create-tenant", "--tenant-id", "x"],
                          ["admin", "create-bi-role", "--tenant-id", "x"]] {
            let run = try runOMS(arguments + ["--database-url", url])
            #expect(run.status != 0, "\(arguments)")
            #expect(run.err.contains("cannot connect to") && run.err.contains("database \"\(missing)\" does not exist"),
                    "\(arguments): \(run.err)")
        }
    }
}

