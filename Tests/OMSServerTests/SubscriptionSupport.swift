import Foundation
import Logging
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSTesting

/// Collects a client's notifications as they arrive, so a test can wait for
/// a condition with a deadline instead of iterating the stream itself.
actor Inbox {
    private(set) var messages: [OMSClient.Notification] = []
    /// When each message arrived, by index.
    private(set) var arrivals: [Date] = []
    private var task: Task<Void, Never>?

    init(_ client: OMSClient) {
        let stream = client.notifications
        Task { await self.start(stream) }
    }

    private func start(_ stream: AsyncStream<OMSClient.Notification>) {
        task = Task { for await message in stream { self.append(message) } }
    }

    private func append(_ message: OMSClient.Notification) {
        messages.append(message)
        arrivals.append(Date())
    }

    /// Each `event` of `method` with the moment its notification arrived.
    func timedEvents(_ method: String) -> [(event: JSON, arrived: Date)] {
        zip(messages, arrivals).compactMap { message, arrived in
            message.method == method ? message.params?["event"].map { ($0, arrived) } : nil
        }
    }

    /// The `event` of every notification named `method` (for one subscription when given).
    func events(_ method: String, subscription: String? = nil) -> [JSON] {
        messages.filter { $0.method == method && (subscription == nil || $0.params?["subscription_id"]?.stringValue == subscription) }
            .compactMap { $0.params?["event"] }
    }

    func notifications(_ method: String) -> [JSON] {
        messages.filter { $0.method == method }.compactMap(\.params)
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    func wait(seconds: Double = 10, until condition: @Sendable (Inbox) async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition(self) { return true }
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
        return await condition(self)
    }
}

/// A second sidecar on the test server's database: its own event listener
/// and TCP front, as another `oms serve` process would have.
func withSecondSidecar(_ server: TestServer, evaluate: Bool = false,
                       _ body: @Sendable (_ port: Int) async throws -> Void) async throws {
    let logger = Logger(label: "oms.test.sidecar", factory: { _ in SwiftLogNoOpLogHandler() })
    let hub = EventHub(url: server.db.url, logger: logger)
    let dispatcher = Dispatcher(services: Services(database: server.db.database, hub: hub), logger: logger)
    let sidecar = try await OMSServer.bind(ServerConfiguration(port: 0), dispatcher: dispatcher, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await hub.run() }
        if evaluate {
            group.addTask { await ComplianceEvaluator(database: server.db.database, hub: hub, logger: logger).run() }
        }
        group.addTask { try await sidecar.run() }
        defer { group.cancelAll() }
        try await body(sidecar.port)
    }
}

extension TestServer {
    func client(_ principal: String, port: Int, tenant: String = TestDatabase.tenant) async throws -> OMSClient {
        try await OMSClient.connect(OMSClientConfiguration(host: "127.0.0.1", port: port,
                                                           apiKey: keys["\(tenant)/\(principal)"]))
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}
