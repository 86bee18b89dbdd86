@testable import OMSServerTestSupport
import Foundation
import OMSStore
import OMSTesting
import Testing

/// What the client test-suites (Python, Go) run against: a test server on a
/// fresh database seeded with the demo tenant of `oms serve`.
enum ClientSuites {
    /// Runs `body` with a scratch directory (removed afterwards) and this
    /// process's environment plus `OMS_ADDRESS` of the server, `OMS_DEMO_KEYS`
    /// naming the demo keys file (as `oms serve` writes it) and
    /// `OMS_TEST_SUBSCRIPTION_BUFFER`; `OMS_API_KEY` is unset.
    static func withDemoServer(
        scratchPrefix: String, subscriptionBuffer: Int,
        _ body: @Sendable (_ scratch: String, _ environment: [String: String]) async throws -> Void
    ) async throws {
        // A small per-subscription buffer, so the suites also see the server end
        // subscriptions with OVERFLOW and the client resume them.
        try await TestServer.with(subscriptionBuffer: subscriptionBuffer) { server in
            let seeded = try #require(try await DemoSeed.seedIfNeeded(database: server.db.database),
                                      "the demo tenant already existed in a fresh test database")
            var keys: [String: Any] = ["tenant_id": DemoSeed.tenantId]
            for (principal, key) in seeded {
                keys[principal.role.rawValue] = ["principal_id": principal.principalId, "api_key": key.apiKey,
                                                 "key_id": key.keyId]
            }
            let scratch = NSTemporaryDirectory() + "\(scratchPrefix)-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let keysFile = scratch + "/demo-keys.json"
            try JSONSerialization.data(withJSONObject: keys).write(to: URL(fileURLWithPath: keysFile))

            var environment = ProcessInfo.processInfo.environment
            environment["OMS_ADDRESS"] = "127.0.0.1:\(server.port)"
            environment["OMS_DEMO_KEYS"] = keysFile
            environment["OMS_API_KEY"] = nil
            environment["OMS_TEST_SUBSCRIPTION_BUFFER"] = "\(subscriptionBuffer)"
            try await body(scratch, environment)
        }
    }
}
