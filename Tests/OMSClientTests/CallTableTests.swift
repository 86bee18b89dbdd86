@testable import OMSClient
import OMSCore
import OMSProtocol
import Testing

/// `CallTable` is the client's state machine for one connection: ids, the
/// in-flight limit, cancellation and loss. Each test drives it with real
/// continuations (callers suspended in tasks) and checks what it tells the
/// I/O side to do and whom it resumes.
@Suite("Client call table")
struct CallTableTests {
    /// A caller suspended on a registered call, and what the table said to do.
    struct Caller {
        let task: Task<Result<JSON, RPCError>, any Error>
        let action: String
    }

    /// Registers `id` from a new task; returns once the table has answered the registration.
    static func call(_ id: RPCID, on table: Locked<CallTable>) async -> Caller {
        let (registered, done) = AsyncStream.makeStream(of: String.self)
        let task = Task {
            try await withCheckedThrowingContinuation { (waiter: CallTable.Waiter) in
                let action = table.withLock { $0.register(id, line: Array("line \(id)".utf8), waiter: waiter) }
                switch action {
                case .send(let line): done.yield("send " + String(decoding: line, as: UTF8.self))
                case .wait: done.yield("wait")
                case .fail(let error):
                    done.yield("fail")
                    waiter.resume(throwing: error)
                }
            }
        }
        var iterator = registered.makeAsyncIterator()
        return Caller(task: task, action: await iterator.next() ?? "none")
    }

    @Test("ids are increasing integers from 1")
    func ids() {
        var table = CallTable(maxInFlight: 4)
        #expect((0..<3).map { _ in table.nextID() } == [.number("1"), .number("2"), .number("3")])
    }

    @Test("beyond the in-flight limit a call waits, and an answer sends the oldest waiting line in its slot")
    func limitAndQueue() async throws {
        let table = Locked(CallTable(maxInFlight: 1))
        let first = await Self.call(.number("1"), on: table)
        let second = await Self.call(.number("2"), on: table)
        let third = await Self.call(.number("3"), on: table)
        #expect(first.action == "send line number(\"1\")")
        #expect([second.action, third.action] == ["wait", "wait"])

        let (waiter, next) = table.withLock { $0.answer(.number("1")) }
        #expect(next.map { String(decoding: $0, as: UTF8.self) } == "line number(\"2\")")
        waiter?.resume(returning: .success(.string("one")))
        #expect(try await first.task.value == .success(.string("one")))

        // An answer for an id nobody waits for changes nothing.
        let unknown = table.withLock { $0.answer(.number("99")) }
        #expect(unknown.waiter == nil && unknown.next == nil)

        let (secondWaiter, afterSecond) = table.withLock { $0.answer(.number("2")) }
        #expect(afterSecond.map { String(decoding: $0, as: UTF8.self) } == "line number(\"3\")")
        secondWaiter?.resume(returning: .success(.int(2)))
        #expect(try await second.task.value == .success(.int(2)))
        let (thirdWaiter, _) = table.withLock { $0.answer(.number("3")) }
        thirdWaiter?.resume(returning: .success(.null))
        #expect(try await third.task.value == .success(.null))
    }

    @Test("a cancelled queued call leaves the queue; a cancelled sent call keeps its slot until the server answers")
    func cancellation() async throws {
        let table = Locked(CallTable(maxInFlight: 1))
        let sent = await Self.call(.number("1"), on: table)
        let queued = await Self.call(.number("2"), on: table)
        let behind = await Self.call(.number("3"), on: table)
        #expect(sent.action.hasPrefix("send") && queued.action == "wait" && behind.action == "wait")

        table.withLock { $0.cancel(.number("2")) }?.resume(throwing: CancellationError())
        await #expect(throws: CancellationError.self) { try await queued.task.value }

        table.withLock { $0.cancel(.number("1")) }?.resume(throwing: CancellationError())
        await #expect(throws: CancellationError.self) { try await sent.task.value }
        // Cancelling again finds no waiter.
        #expect(table.withLock { $0.cancel(.number("1")) } == nil)

        // The server's answer to the cancelled call frees its slot for the next queued line (3, not 2).
        let (nobody, next) = table.withLock { $0.answer(.number("1")) }
        #expect(nobody == nil)
        #expect(next.map { String(decoding: $0, as: UTF8.self) } == "line number(\"3\")")
        table.withLock { $0.answer(.number("3")) }.waiter?.resume(returning: .success(.bool(true)))
        #expect(try await behind.task.value == .success(.bool(true)))
    }

    @Test("closing fails every sent and queued caller with UNAVAILABLE, explained by a null-id error; later calls fail at once")
    func close() async throws {
        let table = Locked(CallTable(maxInFlight: 1))
        let sent = await Self.call(.number("1"), on: table)
        let queued = await Self.call(.number("2"), on: table)
        table.withLock { $0.orphan(RPCError(code: -32600, message: "request line too long")) }
        let (waiters, error) = table.withLock { $0.close("connection lost") }
        #expect(waiters.count == 2)
        #expect(error.code == .unavailable)
        #expect(error.message == "connection lost: request line too long")
        for waiter in waiters { waiter.resume(throwing: error) }
        for caller in [sent, queued] {
            await #expect(throws: OMSError.self) { try await caller.task.value }
        }
        // A second close reports the first reason and nobody to fail.
        let again = table.withLock { $0.close("closed by the client") }
        #expect(again.waiters.isEmpty && again.error.message == error.message)

        let late = await Self.call(.number("3"), on: table)
        #expect(late.action == "fail")
        await #expect(throws: OMSError.self) { try await late.task.value }
    }
}
