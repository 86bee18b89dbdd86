import Foundation
import Synchronization

/// A bounded set of `Connection`s shared by concurrent tasks.
///
/// A lease takes an idle connection, or opens one while fewer than
/// `maximumConnections` exist, or waits (first come, first served) for one to
/// be released, up to `leaseTimeout`. A connection that comes back broken or
/// inside a transaction block is closed, and a replacement opened if someone
/// waits. No background task runs; a connection that died while idle is found
/// on its next use (which fails with `requestSent: false`, safe to retry).
public final class ConnectionPool: Sendable {
    /// The configuration the pool was made with.
    public let configuration: PoolConfiguration
    private let state: Mutex<PoolState>
    private let nextID = Atomic<Int>(0)

    /// A pool; no connection is opened until the first lease.
    public init(_ configuration: PoolConfiguration) {
        self.configuration = configuration
        self.state = Mutex(PoolState(maximum: max(1, configuration.maximumConnections)))
    }

    /// Counts of open, idle and waiting.
    public var statistics: PoolStatistics { withState { $0.statistics } }

    /// Leases a connection for `body` and releases it afterwards, whatever `body` does.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    /// A connection for the caller alone until `release`.
    public func lease() async throws -> Connection {
        try await acquire()
    }

    /// Gives a leased connection back (or closes it, if it is broken or still in a transaction).
    public func release(_ connection: Connection) {
        let reusable = connection.isReusable
        for action in withState({ $0.release(connection, reusable: reusable) }) { perform(action) }
    }

    /// Fails waiting leases and closes idle connections; leased ones close when released.
    public func close() {
        for action in withState({ $0.close() }) { perform(action) }
    }

    private func acquire() async throws -> Connection {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let timeout = configuration.leaseTimeout
        return try await withCheckedThrowingContinuation { continuation in
            switch withState({ $0.lease(id: id, continuation) }) {
            case .use(let connection):
                continuation.resume(returning: connection)
            case .fail(let error):
                continuation.resume(throwing: error)
            case .wait(let connect):
                if connect { openConnection() }
                let timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil, let self else { return }
                    self.perform(self.withState { $0.timedOut(id: id, timeout: timeout) })
                }
                if !withState({ $0.setTimer(id: id, timer) }) { timer.cancel() }
            }
        }
    }

    private func withState<T: Sendable>(_ body: (inout PoolState) -> T) -> T {
        state.withLock { body(&$0) }
    }

    private func openConnection() {
        let conninfo = configuration.conninfo
        Task {
            do {
                let connection = try await Connection.connect(conninfo)
                for action in withState({ $0.connected(connection) }) { perform(action) }
            } catch {
                for action in withState({ $0.connectFailed(error) }) { perform(action) }
            }
        }
    }

    private func perform(_ action: PoolState.Action) {
        switch action {
        case .none:
            break
        case .resume(let waiter, let connection, let timer):
            timer?.cancel()
            waiter.resume(returning: connection)
        case .fail(let waiter, let error, let timer):
            timer?.cancel()
            waiter.resume(throwing: error)
        case .connect:
            openConnection()
        case .close(let connection):
            connection.close()
        }
    }
}
