import OMSCore
import OMSProtocol

/// The calls of one connection: ids, callers awaiting answers, and calls
/// queued for an in-flight slot. A state machine: each mutating method takes
/// one event and says what the I/O side must do; nothing here does I/O.
struct CallTable: Sendable {
    /// Where a caller's answer goes: the server's answer, or a thrown
    /// connection loss or cancellation.
    typealias Waiter = CheckedContinuation<Result<JSON, RPCError>, any Error>

    /// What to do after registering a call.
    enum RegisterAction {
        /// Write this line now.
        case send([UInt8])
        /// Nothing yet: the call is queued until a slot frees up.
        case wait
        /// Fail the caller with this error; nothing was sent.
        case fail(any Error)
    }

    private struct Queued: Sendable {
        var id: RPCID
        var line: [UInt8]
        var waiter: Waiter
    }

    private let maxInFlight: Int
    private var lastNumber = 0
    /// Sent and unanswered. A nil waiter was cancelled by its caller but still
    /// holds its slot until the server answers, since the server is still working on it.
    private var inFlight: [RPCID: Waiter?] = [:]
    private var queue: [Queued] = []
    private var closedBecause: OMSError?
    /// The last error the server sent with a null id; it explains a close that follows.
    private var orphanError: RPCError?

    init(maxInFlight: Int) {
        self.maxInFlight = max(1, maxInFlight)
    }

    /// A fresh id: increasing integers from 1.
    mutating func nextID() -> RPCID {
        lastNumber += 1
        return .number(String(lastNumber))
    }

    mutating func register(_ id: RPCID, line: [UInt8], waiter: Waiter) -> RegisterAction {
        if let closedBecause { return .fail(closedBecause) }
        guard inFlight.count < maxInFlight else {
            queue.append(Queued(id: id, line: line, waiter: waiter))
            return .wait
        }
        inFlight[id] = waiter
        return .send(line)
    }

    /// The server answered `id`: who gets the answer (nil when unknown or
    /// cancelled), and the next queued line to send in the freed slot.
    mutating func answer(_ id: RPCID) -> (waiter: Waiter?, next: [UInt8]?) {
        guard let entry = inFlight.removeValue(forKey: id) else { return (nil, nil) }
        guard closedBecause == nil, !queue.isEmpty else { return (entry, nil) }
        let next = queue.removeFirst()
        inFlight[next.id] = next.waiter
        return (entry, next.line)
    }

    /// The server sent an error it could not tie to a request.
    mutating func orphan(_ error: RPCError) {
        orphanError = error
    }

    /// The caller of `id` stopped waiting: the waiter to resume with a cancellation, if it still waits.
    mutating func cancel(_ id: RPCID) -> Waiter? {
        if let position = queue.firstIndex(where: { $0.id == id }) {
            return queue.remove(at: position).waiter
        }
        guard let entry = inFlight[id], let waiter = entry else { return nil }
        inFlight[id] = .some(nil)
        return waiter
    }

    /// The connection is gone: every waiter to fail with the returned error.
    /// Later registrations fail with it too.
    mutating func close(_ reason: String) -> (waiters: [Waiter], error: OMSError) {
        if let closedBecause { return ([], closedBecause) }
        let explanation = orphanError.map { "\(reason): \($0.message)" } ?? reason
        let error = OMSError(.unavailable, explanation)
        closedBecause = error
        let waiters = inFlight.values.compactMap { $0 } + queue.map(\.waiter)
        inFlight = [:]
        queue = []
        return (waiters, error)
    }
}
