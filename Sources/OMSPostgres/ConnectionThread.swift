import Foundation

/// The thread that owns one `BlockingConnection` and runs its jobs in order.
///
/// Why a thread per connection: libpq calls block, a parked thread wakes
/// for one futex, and the numbers are in docs/performance.md ("libpq
/// driver layer").
///
/// Loss: a job that sees the connection break fails itself with libpq's
/// error; the thread then fails every queued job at once and refuses new
/// ones, so no waiter hangs and nothing polls.
final class ConnectionThread: @unchecked Sendable {
    // Everything below is guarded by `condition`, except `connection`, which
    // only the thread touches once `start` has handed it over.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var nextJob = 0
    private var state: State = .running
    private var idle = true
    private let connection: BlockingConnection

    private enum State {
        case running
        case failed(ConnectionError)
    }

    private struct Job {
        /// Does the work and returns how to resume the caller, which happens only
        /// after the thread has recorded the connection's new state, so a caller
        /// that releases the connection at once sees it (`isReusable`).
        let run: (BlockingConnection) -> () -> Void
        let fail: (ConnectionError) -> Void
    }

    private init(connection: BlockingConnection) {
        self.connection = connection
    }

    /// Connects on a new thread (so `PQconnectdb`'s blocking stays off the
    /// cooperative pool), then keeps that thread for the connection's jobs.
    static func start(_ conninfo: String) async throws -> (ConnectionThread, backendPID: Int32) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let owner: ConnectionThread
                do {
                    owner = ConnectionThread(connection: try BlockingConnection(conninfo))
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: (owner, owner.connection.backendPID))
                owner.loop()
            }
            thread.name = "oms.postgres"
            thread.start()
        }
    }

    /// Runs `body` on the connection's thread after the jobs before it.
    func run<T: Sendable>(_ body: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job = Job(
                run: { connection in
                    let result = Result { try body(connection) }
                    return { continuation.resume(with: result) }
                },
                fail: { continuation.resume(throwing: $0) }
            )
            condition.lock()
            guard case .running = state else {
                let failure = self.failure
                condition.unlock()
                job.fail(failure)
                return
            }
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }
    }

    /// Fails queued jobs with `.closed`, lets the running one finish, then
    /// `PQfinish` ends the session and the thread exits.
    func close() {
        fail(with: ConnectionError(kind: .closed, message: "the connection was closed"))
    }

    /// False once the connection failed or was closed, or while the session is
    /// inside a transaction block; the pool discards a connection that returns so.
    var isReusable: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard case .running = state else { return false }
        return idle
    }

    private var failure: ConnectionError {
        if case .failed(let error) = state { return error }
        return ConnectionError(kind: .closed, message: "the connection was closed")
    }

    private func fail(with error: ConnectionError) {
        condition.lock()
        guard case .running = state else {
            condition.unlock()
            return
        }
        state = .failed(error)
        let pending = jobs[nextJob...]
        jobs = []
        nextJob = 0
        condition.signal()
        condition.unlock()
        for job in pending { job.fail(error) }
    }

    private func loop() {
        while let job = nextJobOrStop() {
            let resume = job.run(connection)
            let nowIdle = connection.isIdle
            if connection.isBroken {
                fail(with: connection.lostError(requestSent: false))
            } else {
                condition.lock()
                idle = nowIdle
                condition.unlock()
            }
            resume()
        }
        // The connection (and its socket) goes when the last reference does:
        // the thread's, as `ConnectionThread` is released after this returns.
    }

    private func nextJobOrStop() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            guard case .running = state else { return nil }
            if nextJob < jobs.count {
                let job = jobs[nextJob]
                nextJob += 1
                if nextJob > 64, nextJob * 2 > jobs.count {
                    jobs.removeFirst(nextJob)
                    nextJob = 0
                }
                return job
            }
            condition.wait()
        }
    }
}
