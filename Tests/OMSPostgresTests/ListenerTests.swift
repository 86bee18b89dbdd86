import OMSPostgres
import Testing

@Suite("NotificationListener")
struct ListenerTests {
    @Test("LISTEN delivers NOTIFYs sent by another connection, in order, with channel and payload")
    func delivers() async throws {
        let database = try await TestDatabase("pq_listen")
        let listener = try await NotificationListener.connect(database.uri, channels: ["orders"])
        try await listener.listen("Fills")  // mixed case: quoted as an identifier
        let sender = try await database.connect()
        _ = try await sender.query("SELECT pg_notify($1, $2)", ["orders", "o-1"])
        try await sender.execute(#"NOTIFY "Fills", 'f-1'"#)
        _ = try await sender.query("SELECT pg_notify('ignored', 'x')")
        _ = try await sender.query("SELECT pg_notify('orders', '')")

        var received: [Notification] = []
        for try await notification in listener.notifications {
            received.append(notification)
            if received.count == 3 { break }
        }
        #expect(received.map(\.channel) == ["orders", "Fills", "orders"])
        #expect(received.map(\.payload) == ["o-1", "f-1", ""])
        #expect(received[0].senderPID == sender.backendPID)
        listener.close()
    }

    @Test("the sequence ends with connection-lost when the listener's backend is terminated")
    func reportsLoss() async throws {
        let database = try await TestDatabase("pq_listen_loss")
        let listener = try await NotificationListener.connect(database.uri, channels: ["orders"])
        let observer = try await database.connect()
        let consumer = Task {
            var count = 0
            for try await _ in listener.notifications { count += 1 }
            return count
        }
        _ = try await observer.query("SELECT pg_notify('orders', 'before')")
        try await terminate(listener.backendPID, from: observer)
        let error = try await #require(throws: ConnectionError.self) { _ = try await consumer.value }
        #expect(error.isConnectionLost)
    }
}
