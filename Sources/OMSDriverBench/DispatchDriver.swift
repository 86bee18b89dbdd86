import CLibpq
import Dispatch
import Foundation

/// The alternative threading design, built only to measure it: non-blocking
/// libpq, the pipeline written from the caller's thread, results read when a
/// `DispatchSource` reports `PQsocket` readable, the caller's continuation
/// resumed from the handler. Just enough for the benchmark's transaction
/// (no error handling beyond failing loudly); OMSPostgres does not use it.
final class DispatchDriver: @unchecked Sendable {
    private let handle: OpaquePointer
    private let queue = DispatchQueue(label: "oms.bench.dispatch")
    private let source: any DispatchSourceRead
    // libpq allows one thread at a time per connection: the caller's send and
    // the handler's reads both take this lock.
    private let lock = NSLock()
    private var waiting: CheckedContinuation<Void, any Error>?
    private var failed = false

    let backendPID: Int32

    init(_ conninfo: String, prepare statement: String, sql: String) throws {
        guard let handle = PQconnectdb(conninfo), PQstatus(handle) == CONNECTION_OK else {
            throw BenchError("dispatch driver could not connect")
        }
        self.handle = handle
        backendPID = PQbackendPID(handle)
        let prepared = PQprepare(handle, statement, sql, 0, nil)
        defer { PQclear(prepared) }
        guard PQresultStatus(prepared) == PGRES_COMMAND_OK,
              PQsetnonblocking(handle, 1) == 0, PQenterPipelineMode(handle) == 1
        else { throw BenchError("dispatch driver setup failed") }
        source = DispatchSource.makeReadSource(fileDescriptor: PQsocket(handle), queue: queue)
        source.setEventHandler { [unowned self] in readable() }
        source.activate()
    }

    /// BEGIN, the prepared statement, COMMIT and one sync, written from the caller's thread.
    func transaction(_ statement: String, _ parameters: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.lock()
            waiting = continuation
            let sent = PQsendQueryParams(handle, "BEGIN ISOLATION LEVEL SERIALIZABLE", 0, nil, nil, nil, nil, 0) == 1
                && withCStrings(parameters) { PQsendQueryPrepared(handle, statement, Int32(parameters.count), $0, nil, nil, 0) } == 1
                && PQsendQueryParams(handle, "COMMIT", 0, nil, nil, nil, nil, 0) == 1
                && PQpipelineSync(handle) == 1
                && PQflush(handle) == 0  // a few hundred bytes: the socket takes them at once
            lock.unlock()
            if !sent { fail("send failed") }
        }
    }

    private func readable() {
        lock.lock()
        guard waiting != nil, PQconsumeInput(handle) == 1 else {
            lock.unlock()
            if waiting != nil { fail("PQconsumeInput failed") }
            return
        }
        var done = false
        var ok = true
        while !done, PQisBusy(handle) == 0 {
            guard let result = PQgetResult(handle) else { continue }  // the NULL after each statement
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC: done = true
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK: break
            default: ok = false
            }
            PQclear(result)
        }
        let continuation = done ? waiting : nil
        if done { waiting = nil }
        lock.unlock()
        if ok { continuation?.resume() } else { continuation?.resume(throwing: BenchError("a statement failed")) }
    }

    private func fail(_ message: String) {
        lock.lock()
        let continuation = waiting
        waiting = nil
        lock.unlock()
        continuation?.resume(throwing: BenchError(message))
    }

    func close() {
        source.setCancelHandler { [handle] in PQfinish(handle) }
        source.cancel()
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// C strings for libpq's parameter array, alive for the call.
func withCStrings<R>(_ values: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = values.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress) }
}
