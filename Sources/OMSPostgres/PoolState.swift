/// The pool's bookkeeping as a state machine: each event returns what the I/O
/// side must do, so the lock is never held across a connect or a resume.
struct PoolState {
    typealias Waiter = CheckedContinuation<Connection, any Error>

    private struct Waiting {
        let id: Int
        let continuation: Waiter
        var timer: Task<Void, Never>?
    }

    let maximum: Int
    /// Connects in flight at most. A burst of leases does not open a
    /// connection each: the first few connect, the rest wait for whichever
    /// comes first, a new connection or a released one, and another connect
    /// starts only while leases still wait. So a pool grows to its sustained
    /// demand, not to its burst (the test suite's many pools reached
    /// PostgreSQL's max_connections when every waiting lease connected).
    static let concurrentConnects = 2
    private var idle: [Connection] = []
    /// Connections open or being opened.
    private var open = 0
    private var connecting = 0
    private var waiting: [Waiting] = []
    private var closed = false

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// What a lease does next.
    enum LeaseAction {
        case use(Connection)
        case wait(connect: Bool)
        case fail(any Error)
    }

    /// What to do with a connection or a waiter after an event.
    enum Action {
        case none
        case resume(Waiter, Connection, timer: Task<Void, Never>?)
        case fail(Waiter, any Error, timer: Task<Void, Never>?)
        case connect
        case close(Connection)
    }

    var statistics: PoolStatistics { PoolStatistics(open: open, idle: idle.count, waiting: waiting.count) }

    mutating func lease(id: Int, _ continuation: Waiter) -> LeaseAction {
        if closed { return .fail(PoolClosedError()) }
        if let connection = idle.popLast() { return .use(connection) }
        waiting.append(Waiting(id: id, continuation: continuation))
        return .wait(connect: startConnect())
    }

    /// Counts a new connect if the pool may start one now.
    private mutating func startConnect() -> Bool {
        guard open < maximum, connecting < Self.concurrentConnects else { return false }
        open += 1
        connecting += 1
        return true
    }

    /// Returns false when the waiter was already served, so the caller cancels the timer itself.
    mutating func setTimer(id: Int, _ timer: Task<Void, Never>) -> Bool {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return false }
        waiting[index].timer = timer
        return true
    }

    mutating func connected(_ connection: Connection) -> [Action] {
        connecting -= 1
        if closed { return [.close(connection)] }
        let given = give(connection)
        return !waiting.isEmpty && startConnect() ? [given, .connect] : [given]
    }

    /// A connection attempt failed. While other connections are open (or
    /// opening), waiters stay queued for one of them: a server at
    /// `max_connections` refuses new sessions although this pool's own will be
    /// free in a moment. With none left, nothing will be released, so every
    /// waiter fails now with the reason (the database is unreachable).
    mutating func connectFailed(_ error: any Error) -> [Action] {
        open -= 1
        connecting -= 1
        guard open == 0 else { return [] }
        defer { waiting.removeAll() }
        return waiting.map { .fail($0.continuation, error, timer: $0.timer) }
    }

    /// A broken connection (or one left inside a transaction) is dropped; if
    /// someone waits, a replacement is opened for them.
    mutating func release(_ connection: Connection, reusable: Bool) -> [Action] {
        if closed || !reusable {
            open -= 1
            guard !closed, !waiting.isEmpty, startConnect() else { return [.close(connection)] }
            return [.close(connection), .connect]
        }
        return [give(connection)]
    }

    mutating func timedOut(id: Int, timeout: Duration) -> Action {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return .none }
        let waiter = waiting.remove(at: index)
        return .fail(waiter.continuation, PoolTimeoutError(timeout: timeout, maximumConnections: maximum), timer: nil)
    }

    mutating func close() -> [Action] {
        closed = true
        var actions = idle.map { Action.close($0) }
        open -= idle.count
        idle = []
        actions += waiting.map { Action.fail($0.continuation, PoolClosedError(), timer: $0.timer) }
        waiting = []
        return actions
    }

    private mutating func give(_ connection: Connection) -> Action {
        guard !waiting.isEmpty else {
            idle.append(connection)
            return .none
        }
        let waiter = waiting.removeFirst()
        return .resume(waiter.continuation, connection, timer: waiter.timer)
    }
}
