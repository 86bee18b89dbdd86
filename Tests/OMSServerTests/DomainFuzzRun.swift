@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
import OMSServer
import OMSStore
import OMSPostgres

/// One run of the domain fuzz: a connection per role, the generator, what
/// the run learned about its orders, and the first property that failed.
struct FuzzRun {
    let fleet: Fleet
    let sidecar: Sidecar
    /// The test's own superuser pool on the fleet's database.
    let database: Database
    /// This run's tenant (each worker has its own) and its API key per role.
    let tenant: String
    let keys: [String: String]
    var generator: DomainFuzzGenerator
    var connections: [String: RawConnection] = [:]
    var unauthenticated: RawConnection?
    /// The last state each order was seen in, for guided lifecycle steps.
    var states: [String: String] = [:]
    var calls = 0
    var codes: [String: Int] = [:]
    var successes: [String: Int] = [:]
    var writes: Int64 = 0
    var failure: String?
    var failed: Bool { failure != nil }
    var nextExecId = 0

    static let catalogue = Catalogue.standard.ordered
    static let specs = Catalogue.standard.methods

    init(fleet: Fleet, sidecar: Sidecar, database: Database, tenant: String, keys: [String: String],
         generator: DomainFuzzGenerator) {
        self.fleet = fleet
        self.database = database
        self.tenant = tenant
        self.keys = keys
        self.sidecar = sidecar
        self.generator = generator
    }

    mutating func connect() async throws {
        for role in DomainFuzzTests.roles { connections[role] = try await authenticated(role) }
        unauthenticated = try await RawConnection(port: sidecar.port)
        writes = try await writeCount()
    }

    func authenticated(_ role: String) async throws -> RawConnection {
        let connection = try await RawConnection(port: sidecar.port)
        let key = keys[role] ?? ""
        let answer = try await connection.roundTrip(
            #"{"jsonrpc":"2.0","id":0,"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#)
        guard answer?["result"]?["role"] != nil else { throw FuzzSetupError(description: "\(role) could not authenticate: \(String(describing: answer))") }
        return connection
    }

    func close() async {
        for connection in connections.values { await connection.close() }
        await unauthenticated?.close()
    }

    func writeCount() async throws -> Int64 {
        try await database.pool.query("SELECT n FROM fuzz_writes WHERE tenant_id = \(tenant)")
            .first?.decode(Int64.self) ?? 0
    }

    /// One call: guided (the next lifecycle step of a known order, with
    /// generated values) a third of the time, otherwise any method.
    mutating func step(_ index: Int) async throws {
        let (method, role, params) = generator.chance(0.35) ? guided() : anyMethod()
        try await call(method, role: role, params: params, index: index)
        if index % 2_000 == 0, !sidecar.isRunning { failure = "the sidecar died after call \(index); see \(sidecar.logFile)" }
    }

    mutating func anyMethod() -> (String, String?, JSON) {
        let spec = generator.pick(Self.catalogue)
        // Mostly a role the method names; an unauthenticated caller 3% of the time.
        let role: String? = generator.chance(0.03) ? nil
            : generator.chance(0.8) && !spec.roles.isEmpty ? generator.pick(spec.roles).rawValue.lowercased()
            : generator.pick(DomainFuzzTests.roles)
        return (spec.name, DomainFuzzTests.roles.contains(role ?? "") ? role : nil, generator.params(for: spec))
    }

    mutating func guided() -> (String, String?, JSON) {
        // Compliance: rules of every type with edge limits, what-ifs and headroom against them.
        if generator.chance(0.12) { return complianceStep() }
        guard let (orderId, state) = states.isEmpty || generator.chance(0.1) ? nil : generator.pick(Array(states)) else {
            return ("oms.create_order", "pm", .object([
                "portfolio_id": .string("PORT-001"), "instrument_id": .string(generator.pick(["INS-1", "INS-2"])),
                "direction": .string(generator.pick(Direction.allCases.map(\.rawValue))), "ordered_quantity": generator.decimal(),
                "order_type": .string("Limit"), "time_in_force": .string("Day"), "limit_price": generator.decimal()]))
        }
        let id = JSON.string(orderId)
        nextExecId += 1
        switch state {
        case "CREATED": return ("oms.request_pre_trade_compliance", "pm", .object(["order_id": id]))
        case "PENDING_PRE_TRADE_COMPLIANCE":
            return generator.chance(0.8) ? ("oms.pass_pre_trade_compliance", "compliance", .object(["order_id": id]))
                : ("oms.fail_pre_trade_compliance", "compliance", .object(["order_id": id, "violations": .array([])]))
        case "PRE_TRADE_COMPLIANCE_PASSED": return ("oms.send_to_trader", "pm", .object(["order_id": id]))
        case "PRE_TRADE_COMPLIANCE_FAILED":
            return ("oms.override_pre_trade_compliance", "compliance",
                    .object(["order_id": id, "reason": .string("fuzz"), "approver_id": .string("compliance")]))
        case "SENT_TO_TRADER":
            return ("ems.create_placement", "trader", .object(["order_id": id, "venue": .string("XNYS"), "quantity": generator.decimal()]))
        case "ROUTED", "PARTIALLY_FILLED":
            if generator.chance(0.25) { return ("oms.close_order", "trader", .object(["order_id": id, "create_remainder": .bool(generator.chance(0.5))])) }
            return ("ems.record_fill", generator.pick(["trader", "system"]), .object([
                "order_id": id, "exec_id": .string("EX-\(nextExecId)"), "quantity": generator.decimal(), "price": generator.decimal()]))
        case "FILLED": return ("oms.close_order", "trader", .object(["order_id": id]))
        case "CLOSED": return ("oms.send_to_operations", "trader", .object(["order_id": id]))
        case "SENT_TO_OPERATIONS": return ("oms.request_post_trade_compliance", "ops", .object(["order_id": id]))
        case "PENDING_POST_TRADE_COMPLIANCE": return ("oms.pass_post_trade_compliance", "compliance", .object(["order_id": id]))
        case "POST_TRADE_COMPLIANCE_PASSED":
            if generator.chance(0.6) {
                return ("oms.create_allocation", "ops", .object(["order_id": id, "account_id": .string("ACCT-001"),
                                                                 "portfolio_id": .string("PORT-001"), "quantity": generator.decimal()]))
            }
            return ("oms.confirm_order", "ops", .object(["order_id": id]))
        case "POST_TRADE_COMPLIANCE_FAILED":
            return ("oms.override_post_trade_compliance", "compliance",
                    .object(["order_id": id, "reason": .string("fuzz"), "approver_id": .string("compliance")]))
        case "CONFIRMED": return ("oms.settle_order", "ops", .object(["order_id": id]))
        case "SETTLED": return ("oms.reconcile_order", "ops", .object(["order_id": id]))
        default:
            states[orderId] = nil  // terminal
            return ("oms.get_order_history", "pm", .object(["order_id": id]))
        }
    }

    mutating func complianceStep() -> (String, String?, JSON) {
        switch Int.random(in: 0..<3, using: &generator.random) {
        case 0:
            let (type, parameters): (String, [String: JSON]) = generator.pick([
                ("concentration_limit", ["max_pct": generator.pick([.string("0.05"), .string("1"), .string("0.00000001")]),
                                         "scope": .string(generator.pick(["single_name", "issuer", "sector"]))]),
                ("max_order_quantity", ["max_quantity": generator.decimal()]),
                ("max_order_notional", ["max_notional": generator.pick([.string("1000000"), .string("99999999999999999999.99999999"), generator.decimal()])]),
                ("restricted_list", ["instrument_ids": .array([.string("INS-2")])]),
                ("no_short_sales", [:]),
                ("max_position_quantity", ["max_quantity": generator.decimal()]),
            ])
            return ("oms.create_rule", "compliance", .object([
                "rule_type": .string(type), "parameters": .object(parameters), "target_accounts": .array([.string("PORT-001")]),
                "severity": .string(generator.pick(["HARD", "SOFT"]))]))
        case 1:
            return ("oms.check_compliance_what_if", generator.pick(DomainFuzzTests.roles),
                    .object(["proposed_orders": .array((0..<Int.random(in: 1...3, using: &generator.random)).map { _ in generator.proposal() })]))
        default:
            var params: [String: JSON] = ["portfolio_id": .string("PORT-001"), "rule_id": generator.identifier(for: "rule_id")]
            if generator.chance(0.5) { params["instrument_id"] = generator.identifier(for: "instrument_id") }
            return ("oms.query_compliance_headroom", generator.pick(DomainFuzzTests.roles), .object(params))
        }
    }

    mutating func call(_ method: String, role: String?, params: JSON, index: Int) async throws {
        var params = params
        // Disabling a principal the run calls as would end that role's calls; other principals are fair game.
        if method == "admin.disable_principal", let id = params["principal_id"]?.stringValue,
           DomainFuzzTests.roles.contains(id), case .object(var fields) = params {
            fields["principal_id"] = .string("fuzz-\(id)")
            params = .object(fields)
        }
        let spec = Self.specs[method]
        let line = RPCRequest(id: .number("\(index + 1)"), method: method, params: params).json.serializedString
        let own = DomainFuzzTests.isolated.contains(method) || role == nil
        let connection: RawConnection
        if DomainFuzzTests.isolated.contains(method), let role {
            connection = try await authenticated(role)
        } else if let role {
            connection = connections[role]!
        } else {
            connection = unauthenticated!
        }
        try await connection.send(line)
        calls += 1
        var answer: JSON?
        do {
            repeat { answer = try await connection.receive(within: .seconds(30)) } while answer?["id"] == nil && answer?["method"] != nil
        } catch {
            failure = "no answer within 30 s to \(line) (sidecar running: \(sidecar.isRunning))"
            return
        }
        if own, role != nil { await connection.close() }
        if method == "session.authenticate", role == nil {
            await unauthenticated?.close()
            unauthenticated = try await RawConnection(port: sidecar.port)
        }
        guard let answer else { failure = "the sidecar closed the connection on \(line)"; return }
        guard answer["id"] == .number("\(index + 1)") else { failure = "answer \(answer) to \(line) has another id"; return }
        let code = answer.errorName ?? (answer.errorCode.map(String.init) ?? "ok")
        codes[code, default: 0] += 1
        if code == "INTERNAL" || answer.errorCode == -32603 { failure = "INTERNAL for \(line) as \(role ?? "-"): \(answer)"; return }
        // Envelope errors (-32600) come before authentication; anything about params or the domain must not.
        if role == nil, !["session.authenticate", "rpc.discover"].contains(method), code != "UNAUTHENTICATED",
           answer.errorCode != -32600 {
            failure = "unauthenticated \(line) answered \(answer)"
            return
        }
        if let result = answer["result"] {
            successes[method, default: 0] += 1
            generator.harvest(result)
            remember(states: result)
            // A placement's answer does not carry its order; the first one routes it.
            if method == "ems.create_placement", let id = params["order_id"]?.stringValue, states[id] == "SENT_TO_TRADER" {
                states[id] = "ROUTED"
            }
        }
        guard spec?.mutating ?? false else { return }
        let now = try await writeCount()
        if answer["error"] != nil, now != writes {
            failure = "refused \(line) as \(role ?? "-") wrote \(now - writes) rows: \(answer)"
        }
        writes = now
    }

    /// Records the state of every order object in an answer.
    mutating func remember(states json: JSON) {
        switch json {
        case .object(let members):
            // Placements carry an order_id and a state of their own: only order states count.
            if let id = members["order_id"]?.stringValue,
               let state = members["state"]?.stringValue.flatMap(OrderState.init(rawValue:)) {
                // Terminal orders absorb every command: the guided steps leave them to the random ones.
                states[id] = state.isTerminal ? nil : state.rawValue
            }
            for member in members.values { remember(states: member) }
        case .array(let items): for item in items { remember(states: item) }
        default: break
        }
    }
}

struct FuzzSetupError: Error, CustomStringConvertible {
    var description: String
}
