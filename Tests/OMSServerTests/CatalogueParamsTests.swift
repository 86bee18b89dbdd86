import Foundation
import OMSCore
import OMSProtocol
@testable import OMSServer
import Testing

/// Each method's params struct against the specs `rpc.discover` publishes and
/// the checks run: the two are declared side by side, and this holds them to
/// each other.
@Suite("Catalogue params")
struct CatalogueParamsTests {
    /// A value each spec type accepts.
    static func sample(_ type: ParamType) -> JSON {
        switch type {
        case .string, .identifier, .text: .string("X-1")
        case .decimal: .string("1.5")
        case .integer: .number("1")
        case .boolean: .bool(true)
        case .timestamp: .string("2026-03-27T10:00:00Z")
        case .oneOf(let values): .string(values.first ?? "")
        case .object: .object([:])
        case .array: .array([])
        }
    }

    /// A value of the wrong JSON type for each spec type.
    static func wrong(_ type: ParamType) -> JSON {
        switch type {
        case .string, .identifier, .text, .timestamp, .oneOf, .boolean: .number("1")
        case .decimal, .integer, .object, .array: .bool(true)
        }
    }

    func decodes(_ spec: MethodSpec, _ object: [String: JSON]) -> Bool {
        func decode<P: MethodParams>(_ type: P.Type) -> Bool {
            (try? JSONValueDecoder(.object(object)).decode(type)) != nil
        }
        return decode(spec.paramsType)
    }

    @Test("every method's params type reads each of its specs, a required one as non-optional")
    func paramsTypesMatchSpecs() {
        for spec in Catalogue.standard.ordered {
            let specs = spec.params.filter { $0.name != "idempotency_key" }
            let full = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, Self.sample($0.type)) })
            #expect(decodes(spec, full), "\(spec.name) does not decode a call that passes its checks")
            for param in specs {
                var object = full
                if param.required {
                    object[param.name] = nil
                    #expect(!decodes(spec, object), "\(spec.name): \(param.name) is required but optional in its type")
                } else {
                    object[param.name] = Self.wrong(param.type)
                    #expect(!decodes(spec, object), "\(spec.name): \(param.name) is declared but not read")
                }
            }
        }
    }

    @Test("the params type of a method declares the specs the method checks")
    func specsComeFromTheType() {
        for spec in Catalogue.standard.ordered {
            let declared = spec.paramsType.specs.map(\.name)
            let checked = spec.params.map(\.name).filter { !(spec.mutating && $0 == "idempotency_key") }
            #expect(declared == checked, "\(spec.name)")
        }
    }

    @Test("a violation reports its element's path with the messages clients know")
    func violations() {
        func refusal(_ entry: JSON) -> (code: Int, message: String)? {
            do {
                _ = try JSONValueDecoder(.object(["order_id": .string("O-1"), "violations": .array([entry])]))
                    .decode(FailComplianceParams.self)
                return nil
            } catch let error as RPCError {
                return (error.code, error.message)
            } catch let error as OMSError {
                return (RPCError(error).code, error.message)
            } catch {
                return nil
            }
        }
        #expect(refusal(.object(["severity": .string("HARD")]))?.message == "violations[0].rule_id is required")
        #expect(refusal(.string("R-1"))?.message == "violations[0].rule_id is required")
        #expect(refusal(.object(["rule_id": .string("R-1"), "severity": .string("MILD")]))?.message
            == "violations[0].severity must be HARD or SOFT")
        #expect(refusal(.object(["rule_id": .string("R 1")]))?.message.hasPrefix("violations[0].rule_id: ") == true)
        #expect(refusal(.object(["rule_id": .string("R-1"), "description": .string("a\u{7}b")]))?.message
            .hasPrefix("violations[0].description: ") == true)
        #expect(refusal(.object(["rule_id": .string("R-1")])) == nil)
    }

    /// Decodes one violation entry; the violation, or the refusal's code, message and field.
    static func violation(_ entry: JSON) -> Result<Violation, RPCError> {
        do {
            let params = try JSONValueDecoder(.object(["order_id": .string("O-1"), "violations": .array([entry])]))
                .decode(FailComplianceParams.self)
            guard let violation = params.violations.first?.violation else {
                return .failure(RPCError.invalidParams("no violation", field: nil))
            }
            return .success(violation)
        } catch let error as RPCError {
            return .failure(error)
        } catch let error as OMSError {
            return .failure(RPCError(error))
        } catch {
            return .failure(RPCError.invalidParams("\(error)", field: nil))
        }
    }

    @Test("a violation member present with another JSON type is INVALID_PARAMS naming it, never read as HARD or dropped")
    func violationMemberTypes() {
        let wrong: [JSON] = [.number("5"), .bool(true), .object([:]), .array([.string("SOFT")])]
        for value in wrong {
            for (member, what) in [("severity", "HARD or SOFT"), ("rule_name", "a string"), ("description", "a string")] {
                let outcome = Self.violation(.object(["rule_id": .string("R-1"), member: value]))
                guard case .failure(let error) = outcome else {
                    Issue.record("\(member): \(value) was accepted as \(outcome)")
                    continue
                }
                #expect(error.code == -32602 && error.data?["code"] == .string("INVALID_PARAMS"), "\(member): \(value)")
                #expect(error.message == "violations[0].\(member) must be \(what)", "\(member): \(value)")
                #expect(error.data?["field"] == .string("violations"))
            }
        }
        // A misspelt member is refused, not left to its default.
        let misspelt = Self.violation(.object(["rule_id": .string("R-1"), "severty": .string("SOFT")]))
        guard case .failure(let unknown) = misspelt else {
            Issue.record("severty was accepted as \(misspelt)")
            return
        }
        #expect(unknown.code == -32602 && unknown.data?["field"] == .string("violations"))
        #expect(unknown.message == "violations[0].severty is not a member of a violation (rule_id, rule_name, severity, description)")
        // Absent or null: severity HARD, no name, no description (docs/api.md).
        for entry: JSON in [.object(["rule_id": .string("R-1")]),
                            .object(["rule_id": .string("R-1"), "severity": .null, "rule_name": .null, "description": .null])] {
            let violation = try? Self.violation(entry).get()
            #expect(violation?.severity == .hard && violation?.ruleName == nil && violation?.description == nil, "\(entry)")
        }
        let soft = try? Self.violation(.object(["rule_id": .string("R-1"), "severity": .string("SOFT"),
                                                "rule_name": .string("cap"), "description": .string("over")])).get()
        #expect(soft?.severity == .soft && soft?.ruleName == "cap" && soft?.description == "over")
    }

    @Test("an unknown member of changes is INVALID_PARAMS naming changes.<member>, for orders, allocations and rules")
    func unknownChanges() {
        func refusal(_ body: () throws -> Void) -> RPCError? {
            do { try body() } catch let error as RPCError { return error } catch { return nil }
            return nil
        }
        let bogus: [String: JSON] = ["quantity": .string("1"), "zz": .bool(true), "bogus": .number("1")]
        let order = refusal { _ = try OrderChangesDecoder.decode(bogus) }
        #expect(order?.message == "changes.bogus cannot be changed" && order?.data?["field"] == .string("changes.bogus"))
        let allocation = refusal { _ = try JSONValueDecoder(.object(bogus)).decode(AllocationChanges.self) }
        #expect(allocation?.message == "changes.bogus cannot be changed")
        let rule = refusal { _ = try RuleDecoding.changes(bogus) }
        #expect(rule?.message == """
            changes.bogus cannot be changed (changeable: rule_type, parameters, target_accounts, name, severity, active)
            """ && rule?.data?["field"] == .string("changes.bogus"))
    }
}
