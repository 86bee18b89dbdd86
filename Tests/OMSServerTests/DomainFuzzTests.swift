@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSPostgres
import Testing

/// A generative test of the domain behind the wire: every
/// method of the catalogue, called by every role with generated params, on a
/// real `oms serve` process. `OMS_DOMAIN_FUZZ_COUNT` sets the number of calls
/// (default 100,000) and `OMS_DOMAIN_FUZZ_SEED` replays a run.
///
/// Properties: every call is answered (with its id, within 30 s) and the
/// sidecar never dies; no answer is INTERNAL; an unauthenticated call is
/// UNAUTHENTICATED; a refused mutating call writes nothing (a row trigger on
/// every table counts writes); at the end every order equals the replay of
/// its events, the other tenant is untouched, and an evaluator started on
/// the database decides every pending order without dying.
@Suite("Generative test of the domain", .serialized)
struct DomainFuzzTests {
    static let count = Int(ProcessInfo.processInfo.environment["OMS_DOMAIN_FUZZ_COUNT"] ?? "") ?? 100_000
    static let seed = UInt64(ProcessInfo.processInfo.environment["OMS_DOMAIN_FUZZ_SEED"] ?? "")
        ?? UInt64.random(in: 1...UInt64(UInt32.max))
    static let roles = ["pm", "trader", "ops", "compliance", "system", "admin"]
    /// Methods whose answers add notifications or change the session: each runs on a connection of its own.
    static let isolated: Set<String> = ["session.authenticate", "oms.subscribe_orders", "oms.subscribe_compliance",
                                        "oms.unsubscribe"]

    /// Workers run at once, each in a tenant of its own, so that each can
    /// check that its refusals wrote nothing in its tenant.
    static let workers = 4

    @Test("every method, every role, generated params: answered, never INTERNAL, refusals write nothing, events replay")
    func domain() async throws {
        print("domain fuzz: seed \(Self.seed), \(Self.count) calls (OMS_DOMAIN_FUZZ_SEED / OMS_DOMAIN_FUZZ_COUNT)")
        // Generated keys fail authentication by the thousand; the throttle has its own tests.
        try await Fleet.with(sidecars: 1, serveArguments: ["--auth-failure-limit", "1000000"]) { fleet in
            let (keys, foreign) = try await Self.prepare(fleet)
            let digest = SQL(stringLiteral: "SELECT \(Self.tenantDigest("t2"))")
            let foreignBefore = try await fleet.values(digest, as: String.self)
            let sidecar = fleet.sidecars[0]
            let started = ContinuousClock.now
            let runs = try await fleet.withPool { database in
                try await withThrowingTaskGroup(of: FuzzRun.self) { group in
                    for worker in 0..<Self.workers {
                        group.addTask {
                            var run = FuzzRun(fleet: fleet, sidecar: sidecar, database: database, tenant: Self.tenant(worker),
                                              keys: keys[worker],
                                              generator: DomainFuzzGenerator(seed: Self.seed &+ UInt64(worker), foreign: foreign))
                            try await run.connect()
                            for index in 0..<(Self.count / Self.workers + (worker < Self.count % Self.workers ? 1 : 0)) {
                                try await run.step(index)
                                if run.failed { break }
                            }
                            await run.close()
                            return run
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let elapsed = ContinuousClock.now - started
            let calls = runs.map(\.calls).reduce(0, +)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let codes = runs.reduce(into: [String: Int]()) { all, run in all.merge(run.codes, uniquingKeysWith: +) }
            let successes = runs.reduce(into: [String: Int]()) { all, run in all.merge(run.successes, uniquingKeysWith: +) }
            print("domain fuzz: \(calls) calls in \(elapsed) (\(Int(Double(calls) / seconds))/s); answers by code: "
                  + codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("domain fuzz: successes by method: "
                  + successes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            for run in runs {
                let failure = run.failure
                #expect(failure == nil, "seed \(Self.seed), tenant \(run.tenant): \(failure ?? "")")
            }
            #expect(sidecar.isRunning, "seed \(Self.seed): the sidecar died; see \(sidecar.logFile)")
            for worker in 0..<Self.workers {
                let audit = try await fleet.audit(tenant: Self.tenant(worker))
                #expect(audit.problems.isEmpty, "seed \(Self.seed): \(audit.problems.prefix(20))")
                #expect(audit.orders > 0)
            }
            #expect(try await fleet.values(digest, as: String.self) == foreignBefore,
                    "seed \(Self.seed): the other tenant's rows changed")
            try await Self.evaluatorDecidesEverything(fleet)
        }
    }

    static func tenant(_ worker: Int) -> String { "f\(worker)" }

    /// Seeds a tenant per worker (portfolio, account, two instruments, a
    /// principal and key per role) and a passive tenant `t2` with an order
    /// whose ids the workers use as another tenant's; installs the write
    /// counter. Returns each worker's keys and t2's ids.
    static func prepare(_ fleet: Fleet) async throws -> (keys: [[String: String]], foreign: [String: [String]]) {
        try await fleet.withPool { database in
            let pool = database.pool
            var statements = [
                "INSERT INTO tenants (tenant_id, name) VALUES ('t2', 't2')",
                "INSERT INTO portfolios (tenant_id, portfolio_id, name, cash) VALUES ('t2', 'PORT-T2', 'Other', 1000)",
                "INSERT INTO instruments (tenant_id, instrument_id, symbol) VALUES ('t2', 'INS-T2', 'ZZZ')",
                "INSERT INTO principals (tenant_id, principal_id, role) VALUES ('t2', 'pm', 'PM')",
            ]
            for worker in 0..<workers {
                let t = tenant(worker)
                statements += [
                    "INSERT INTO tenants (tenant_id, name) VALUES ('\(t)', '\(t)')",
                    "INSERT INTO portfolios (tenant_id, portfolio_id, name, cash) VALUES ('\(t)', 'PORT-001', 'Growth', 10000000)",
                    "INSERT INTO accounts (tenant_id, account_id, portfolio_id) VALUES ('\(t)', 'ACCT-001', 'PORT-001')",
                    "INSERT INTO instruments (tenant_id, instrument_id, symbol) VALUES ('\(t)', 'INS-1', 'AAA')",
                    "INSERT INTO instruments (tenant_id, instrument_id, symbol, issuer, sector) VALUES ('\(t)', 'INS-2', 'BBB', 'Issuer B', 'Tech')",
                    "INSERT INTO principals (tenant_id, principal_id, role) VALUES "
                        + Fleet.principals.map { "('\(t)', '\($0.id)', '\($0.role)')" }.joined(separator: ", "),
                ]
            }
            for statement in statements {
                try await pool.query(SQL(stringLiteral: statement))
            }
            var keys: [[String: String]] = []
            for worker in 0..<workers {
                var own: [String: String] = [:]
                for principal in Fleet.principals {
                    own[principal.id] = try await KeyStore(database: database).issue(principalId: principal.id,
                                                                                     tenantId: tenant(worker)).apiKey
                }
                keys.append(own)
            }
            let other = try await OrderStore(database: database).createOrder(
                NewOrder(portfolioId: "PORT-T2", instrumentId: "INS-T2", direction: .buy, orderType: .market,
                         timeInForce: .day, orderedQuantity: 10),
                actor: Principal(tenantId: "t2", principalId: "pm", role: .pm))
            for statement in SQLScript.statements(writeCounterSQL) {
                try await pool.query(SQL(stringLiteral: statement))
            }
            return (keys, ["order_id": [other.orderId], "portfolio_id": ["PORT-T2"], "instrument_id": ["INS-T2"],
                           "principal_id": ["pm"]])
        }
    }

    /// Counts, per tenant, every row written to any table, in the writing
    /// transaction: a refused command's count is rolled back with it.
    static let writeCounterSQL = """
        CREATE TABLE fuzz_writes (tenant_id text PRIMARY KEY, n bigint NOT NULL);
        CREATE FUNCTION fuzz_count_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
        AS $$ BEGIN
            INSERT INTO fuzz_writes VALUES (coalesce(to_jsonb(NEW) ->> 'tenant_id', to_jsonb(OLD) ->> 'tenant_id', '-'), 1)
            ON CONFLICT (tenant_id) DO UPDATE SET n = fuzz_writes.n + 1;
            RETURN NULL;
        END $$;
        DO $$ DECLARE t text; BEGIN
            FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'fuzz_writes' LOOP
                EXECUTE format('CREATE TRIGGER fuzz_count_write AFTER INSERT OR UPDATE OR DELETE ON %I '
                               'FOR EACH ROW EXECUTE FUNCTION fuzz_count_write()', t);
            END LOOP;
        END $$;
        """

    /// A digest of every row of a tenant in the tables a command can write.
    static func tenantDigest(_ tenant: String) -> String {
        let tables = ["principals", "api_keys", "portfolios", "accounts", "instruments", "prices", "positions", "baskets",
                      "orders", "order_events", "placements", "fills", "allocations", "rules", "compliance_events"]
        return "concat_ws('/', " + tables.map {
            "(SELECT count(*) || ':' || coalesce(sum(hashtext(x::text)::bigint), 0) FROM \($0) x WHERE tenant_id = '\(tenant)')"
        }.joined(separator: ", ") + ")"
    }

    /// A sidecar with the built-in evaluator, started on the fuzzed database,
    /// decides every order left pending (poison containment) and stays up.
    static func evaluatorDecidesEverything(_ fleet: Fleet) async throws {
        let pendingSQL: SQL = """
            SELECT count(*)::int FROM orders WHERE state IN ('PENDING_PRE_TRADE_COMPLIANCE', 'PENDING_POST_TRADE_COMPLIANCE')
            """
        let evaluator = try await Sidecar.start(name: "evaluator", url: fleet.url, logDirectory: fleet.directory + "/logs",
                                                arguments: ["--evaluate-compliance"])
        defer { evaluator.stop() }
        let deadline = ContinuousClock.now + .seconds(60)
        var pending = try await fleet.values(pendingSQL, as: Int.self).first ?? 0
        while pending > 0, ContinuousClock.now < deadline, evaluator.isRunning {
            try await Task.sleep(for: .milliseconds(200))
            pending = try await fleet.values(pendingSQL, as: Int.self).first ?? 0
        }
        #expect(evaluator.isRunning, "seed \(seed): the evaluator died; see \(evaluator.logFile)")
        #expect(pending == 0, "seed \(seed): \(pending) orders still pending after 60 s of the evaluator")
    }
}
