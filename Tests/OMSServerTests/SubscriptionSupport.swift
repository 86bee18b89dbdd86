@testable import OMSServerTestSupport
import Foundation
import Logging
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSTesting

/// How long a test waits for a subscription to deliver an event. An event is
/// delivered once every transaction below it has ended, cluster-wide
/// (EventLog's xmin rule), and the tests share one cluster: another test's
/// CREATE DATABASE or migration holds the xmin back for seconds under the
/// full suite on 2 cores, so every delivery wait uses this one loose bound.
let eventDelivery: Duration = .seconds(30)

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

    /// Waits until `condition` holds or `within` passes; returns whether it held.
    func wait(within: Duration = eventDelivery, until condition: @Sendable (Inbox) async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(Double(within.components.seconds))
        while Date() < deadline {
            if await condition(self) { return true }
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
        return await condition(self)
    }
}
