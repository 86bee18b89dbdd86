import CLibpq
import Dispatch

/// One `NOTIFY` as delivered.
public struct Notification: Sendable, Hashable {
    /// The channel it was sent on.
    public let channel: String
    /// The payload (empty when none was given).
    public let payload: String
    /// The server process of the session that sent it.
    public let senderPID: Int32
}

/// A dedicated connection that `LISTEN`s and delivers notifications as an
/// async sequence.
///
/// It waits for readability of `PQsocket` with a `DispatchSource` (no thread
/// blocked, no polling), then `PQconsumeInput` and `PQnotifies`. The sequence
/// ends with `ConnectionError.lost` when the connection breaks (its backend
/// terminated, the server restarted) and without an error after `close()`.
/// Notifications sent while it was not connected are not delivered: a
/// consumer that needs them re-reads its source of truth after reconnecting.
public final class NotificationListener: @unchecked Sendable {
    /// The notifications, in the order the server sent them. Iterate it once.
    public let notifications: AsyncThrowingStream<Notification, any Error>
    /// The server process of the listening session.
    public let backendPID: Int32

    // `connection` is touched only on `queue`: in the source's handlers and in
    // `listen`. The cancel handler drops it, which ends the session (PQfinish).
    private let queue: DispatchQueue
    private var connection: BlockingConnection?
    private let source: any DispatchSourceRead
    private let continuation: AsyncThrowingStream<Notification, any Error>.Continuation

    private init(connection: BlockingConnection, queue: DispatchQueue) {
        self.connection = connection
        self.queue = queue
        self.backendPID = connection.backendPID
        (notifications, continuation) = AsyncThrowingStream.makeStream(bufferingPolicy: .unbounded)
        source = DispatchSource.makeReadSource(fileDescriptor: connection.socket, queue: queue)
    }

    /// Connects, runs `LISTEN` on each channel, and starts delivering.
    public static func connect(_ conninfo: String, channels: [String]) async throws -> NotificationListener {
        let queue = DispatchQueue(label: "oms.postgres.listener")
        let listener: NotificationListener = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let connection = try BlockingConnection(conninfo)
                    for channel in channels { try connection.execute("LISTEN " + connection.quoteIdentifier(channel)) }
                    return NotificationListener(connection: connection, queue: queue)
                })
            }
        }
        listener.start()
        return listener
    }

    /// Adds a channel (one round trip on the listener's connection).
    public func listen(_ channel: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                continuation.resume(with: Result {
                    guard let connection = self.connection, !self.source.isCancelled else {
                        throw ConnectionError(kind: .closed, message: "the listener was closed or lost")
                    }
                    try connection.execute("LISTEN " + connection.quoteIdentifier(channel))
                })
                self.drain()  // LISTEN's round trip may have carried notifications in.
            }
        }
    }

    /// Ends the sequence (without an error) and the session.
    public func close() {
        queue.async {
            self.continuation.finish()
            self.source.cancel()
        }
    }

    private func start() {
        source.setEventHandler { [self] in drain() }
        // The socket belongs to libpq: it is closed (PQfinish, when `connection` goes)
        // only once the source is cancelled, as dispatch requires.
        source.setCancelHandler { [self] in connection = nil }
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            queue.async { self.source.cancel() }
        }
        source.activate()
        queue.async { self.drain() }  // notifications that came in with the LISTEN results
    }

    private func drain() {
        guard let connection, !source.isCancelled else { return }
        if PQconsumeInput(connection.handle) == 0 || connection.isBroken {
            continuation.finish(throwing: connection.lostError())
            source.cancel()
            return
        }
        while let notice = PQnotifies(connection.handle) {
            continuation.yield(Notification(
                channel: String(cString: notice.pointee.relname),
                payload: String(cString: notice.pointee.extra),
                senderPID: notice.pointee.be_pid
            ))
            PQfreemem(notice)
        }
    }
}

extension BlockingConnection {
    /// `name` quoted as an identifier by libpq (`PQescapeIdentifier`), for
    /// statements that take no parameters, such as `LISTEN`.
    public func quoteIdentifier(_ name: String) throws -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(sqlState: SQLState.invalidParameterValue,
                                message: String(cString: PQerrorMessage(handle)))
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }
}
