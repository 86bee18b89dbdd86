import OMSCore
import OMSStore
import OMSTesting
import Testing

/// The schema repeats two lifecycle facts SQL needs on its own: the states an
/// order row may hold (a CHECK constraint) and which of them are terminal (the
/// reporting view BI tools read). Both are checked here against `OrderState`,
/// so a new state fails this test until its migration is written.
@Suite("Schema lifecycle facts")
struct SchemaLifecycleTests {
    @Test("orders.state admits exactly OrderState's cases, and reporting.orders.is_terminal is OrderState.isTerminal")
    func statesMatchTheKernel() async throws {
        try await TestDatabase.with { db in
            let definition = try #require(try await db.owner.query("""
                SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid = 'public.orders'::regclass AND c.contype = 'c'
                  AND pg_get_constraintdef(c.oid) LIKE '%(state %'
                """).first?.decode(String.self), "orders has no CHECK constraint on state")
            #expect(Self.quoted(in: definition) == Set(OrderState.allCases.map(\.rawValue)),
                    "orders.state's CHECK constraint differs from OrderState: a migration is missing (\(definition))")
            let view = try await db.owner.query("SELECT pg_get_viewdef('reporting.orders'::regclass)")
                .first?.decode(String.self) ?? ""
            let terminal = try #require(view.split(separator: "\n").first { $0.contains("is_terminal") })
            for state in OrderState.allCases {
                #expect(terminal.contains("'\(state.rawValue)'") == state.isTerminal,
                        "reporting.orders.is_terminal disagrees with OrderState.isTerminal on \(state.rawValue)")
            }
        }
    }

    /// The single-quoted literals of an SQL text.
    static func quoted(in sql: String) -> Set<String> {
        Set(sql.split(separator: "'", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) })
    }
}
