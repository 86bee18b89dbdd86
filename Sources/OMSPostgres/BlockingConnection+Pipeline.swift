import CLibpq
import Foundation

extension BlockingConnection {
    /// Sends every query in one pipeline with one `PQpipelineSync` (one write,
    /// one round trip) and returns each one's result in order.
    ///
    /// Statements not yet prepared on this session are prepared in the same
    /// pipeline, just before their first use. Without a `BEGIN`, the statements
    /// up to the sync form one implicit transaction (the extended protocol's
    /// rule): a failure rolls back the ones before it too. A failure makes the server skip
    /// the rest up to the sync (`.skipped`); what a failed explicit transaction
    /// needs afterwards (a `ROLLBACK`) is the caller's business, as
    /// `transaction` does. Throws only `ConnectionError`.
    public func pipeline(_ queries: [Query]) throws -> [StatementResult] {
        // libpq takes text parameters as C strings, so a NUL would silently cut
        // the value short. PostgreSQL's text cannot hold one either: refuse the
        // pipeline before anything is sent, with the server's own SQLSTATE.
        if let index = queries.firstIndex(where: { $0.containsNUL }) {
            return queries.indices.map { position in
                guard position == index else { return .skipped }
                return .failed(PostgresError(
                    sqlState: SQLState.characterNotInRepertoire,
                    message: "invalid byte sequence for encoding \"UTF8\": 0x00",
                    detail: "a parameter or the SQL contains a NUL character, which PostgreSQL text cannot hold",
                    statementIndex: index, statement: queries[index].sql))
            }
        }
        guard checkIdleSocket() else { throw lostError(requestSent: false) }
        guard PQenterPipelineMode(handle) == 1 else { throw lostError(requestSent: false) }
        var expected: [Expected] = []
        expected.reserveCapacity(queries.count + 1)
        var preparing: Set<String> = []
        for (index, query) in queries.enumerated() {
            if case .prepared(let statement) = query.kind,
               !prepared.contains(statement.name), !preparing.contains(statement.name) {
                let sent = statement.parameterTypes.map(\.oid).withUnsafeBufferPointer { types in
                    PQsendPrepare(handle, statement.name, statement.sql, Int32(types.count), types.baseAddress)
                }
                guard sent == 1 else { try abandon() }
                preparing.insert(statement.name)
                expected.append(.prepare(statement.name))
            }
            guard send(query) else { try abandon() }
            expected.append(.query(index))
        }
        guard PQpipelineSync(handle) == 1 else { try abandon() }
        var results = try collect(expected, count: queries.count)
        for index in results.indices {
            guard case .failed(var error) = results[index] else { continue }
            error.statementIndex = index
            error.statement = queries[index].sql
            results[index] = .failed(error)
        }
        return results
    }

    private enum Expected {
        case prepare(String)
        case query(Int)
    }

    private func send(_ query: Query) -> Bool {
        withCStrings(query.parameters) { values in
            let count = Int32(query.parameters.count)
            switch query.kind {
            case .prepared(let statement):
                return PQsendQueryPrepared(handle, statement.name, count, values, nil, nil, 0) == 1
            case .sql(let sql, let types):
                // Fewer types than parameters is allowed by the protocol; the rest are inferred.
                let oids = types.map(\.oid) + Array(repeating: 0, count: max(0, query.parameters.count - types.count))
                return oids.withUnsafeBufferPointer { oids in
                    PQsendQueryParams(handle, sql, count, count == 0 ? nil : oids.baseAddress, values, nil, nil, 0) == 1
                }
            }
        }
    }

    /// Reads one result per sent item, then the sync. Each item's results end
    /// with a NULL from `PQgetResult`; the sync's result is not followed by one.
    private func collect(_ expected: [Expected], count: Int) throws -> [StatementResult] {
        var results = [StatementResult](repeating: .skipped, count: count)
        var serverError: PostgresError?
        for item in expected {
            guard let result = PQgetResult(handle) else { try abandon(serverError) }
            let outcome = Self.outcome(of: result)
            PQclear(result)
            while let extra = PQgetResult(handle) { PQclear(extra) }
            if case .failed(let error) = outcome { serverError = error }
            switch item {
            case .prepare(let name):
                if case .rows = outcome { prepared.insert(name) }
            case .query(let index):
                results[index] = outcome
            }
            if isBroken { try abandon(serverError) }
        }
        guard let sync = PQgetResult(handle) else { try abandon(serverError) }
        let status = PQresultStatus(sync)
        PQclear(sync)
        guard status == PGRES_PIPELINE_SYNC, !isBroken, PQexitPipelineMode(handle) == 1 else {
            try abandon(serverError)
        }
        return results
    }

    static func outcome(of result: OpaquePointer) -> StatementResult {
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return .rows(rows(of: result))
        case PGRES_PIPELINE_ABORTED:
            return .skipped
        default:
            return .failed(PostgresError(result: result))
        }
    }

    static func rows(of result: OpaquePointer) -> Rows {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var values: [[String?]] = []
        values.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            values.append((0..<columnCount).map { column in
                if PQgetisnull(result, row, column) == 1 { return nil }
                let length = Int(PQgetlength(result, row, column))
                return PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
            })
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result)))
        return Rows(columns: columns, values: values, commandTag: tag, affectedRows: affected)
    }

    /// The connection failed mid-pipeline (a send failed, or results stopped
    /// before the sync). libpq cannot leave pipeline mode with results pending
    /// and a half-read pipeline cannot be resumed, so the socket is shut down:
    /// the session ends on the server and this connection reports itself broken.
    private func abandon(_ serverError: PostgresError? = nil) throws -> Never {
        let error = lostError(serverError: serverError)
        abandoned = true
        _ = shutdown(socket, Int32(SHUT_RDWR))
        throw error
    }
}

/// Calls `body` with a C array of NUL-terminated strings (NULL for nil) laid
/// out in one allocation. libpq copies parameters into its output buffer
/// during the send call, so they need to live only that long.
func withCStrings<R>(_ values: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    if values.isEmpty { return body(nil) }
    var size = 0
    for value in values { size += (value?.utf8.count ?? -1) + 1 }
    let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(size, 1))
    let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: values.count)
    defer {
        storage.deallocate()
        pointers.deallocate()
    }
    var offset = 0
    for (index, value) in values.enumerated() {
        guard let value else {
            pointers[index] = nil
            continue
        }
        let start = storage + offset
        for byte in value.utf8 {
            storage[offset] = CChar(bitPattern: byte)
            offset += 1
        }
        storage[offset] = 0
        offset += 1
        pointers[index] = UnsafePointer(start)
    }
    return body(pointers)
}
