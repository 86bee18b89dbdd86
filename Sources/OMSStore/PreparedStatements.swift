import Foundation
import Logging
import NIOConcurrencyHelpers
import OMSCore
import PostgresNIO

/// Names a hot call site whose query runs as a named prepared statement.
/// Declare one empty enum per site; the site's SQL is the text of the query
/// it interpolates, which is the same on every call.
protocol PreparedSite: SendableMetatype {}

/// A query run as a named prepared statement: PostgreSQL parses and plans it
/// once per connection instead of on every call. On the kernel's fill
/// statements, pgbench measured 1,650 transactions/s prepared against 880
/// unprepared (unnamed statements, as PostgresQuery sends them) at 8 clients.
///
/// PostgresNIO prepares a statement on a connection the first time it runs
/// there, under `Statement.name`, with the SQL from the static `Statement.sql`;
/// the SQL is recorded per site name when it is first used, and a site that
/// ever interpolates different SQL, or a second site of the same name, is
/// refused (a programming error, caught by tests).
///
/// Parameter types are fixed when a connection first prepares the statement,
/// from that call's values; a NULL there leaves the type to the server, which
/// takes it from the context. So a parameter that may be NULL must get from
/// the context the type its Swift value is sent as: a JSON text parameter is
/// written `$n::text::jsonb`, never `$n::jsonb` (which would make the server
/// expect binary jsonb and refuse the text: "unsupported jsonb version number").
struct PreparedQuery<Site: PreparedSite>: PostgresPreparedStatement {
    typealias Row = PostgresRow

    /// Short and unique per site: PostgreSQL compares prepared statement
    /// names by their first 63 bytes only, and the type's full name
    /// ("OMSStore.PreparedQuery<OMSStore.(unknown context at …).Site>") made
    /// every site the same statement ("already exists").
    static var name: String { "oms." + String(describing: Site.self) }

    static var sql: String { PreparedSQL.texts.withLockedValue { $0[name] } ?? "" }

    let bindings: PostgresBindings

    init(_ query: PostgresQuery) throws {
        let sql = query.sql
        let known = PreparedSQL.texts.withLockedValue { texts -> String in
            if let known = texts[Self.name] { return known }
            texts[Self.name] = sql
            return sql
        }
        guard known == sql else {
            throw OMSError(.internalError, "prepared statement \(Self.name) was given different SQL (two sites of one name?)")
        }
        bindings = query.binds
    }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The SQL of every prepared site by name, recorded at first use.
enum PreparedSQL {
    static let texts = NIOLockedValueBox<[String: String]>([:])
}

extension PostgresConnection {
    /// Runs `query` as the prepared statement of `site` and collects its rows.
    func rows<Site: PreparedSite>(prepared site: Site.Type, _ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await execute(PreparedQuery<Site>(query), logger: logger) { rows.append(row) }
        return rows
    }
}
