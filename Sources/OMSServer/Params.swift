import Foundation
import OMSCore
import OMSProtocol

/// A request's named parameters, already checked against the method's specs
/// (names, required, types, content, NUL); a handler reads them decoded into
/// its `MethodParams` type (`decode`).
public struct Params: Sendable {
    /// The params by name, as sent.
    public let values: [String: JSON]

    /// Validates `params` (absent, or an object) against `specs`: unknown names,
    /// missing required names and wrong types are INVALID_PARAMS naming the field.
    init(_ params: JSON?, specs: [ParamSpec]) throws(RPCError) {
        let object: [String: JSON]
        switch params {
        case .none: object = [:]
        case .some(let value):
            guard let members = value.objectValue else {
                throw .invalidParams("params must be an object of named parameters", field: nil)
            }
            object = members
        }
        let known = Set(specs.map(\.name))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParams("unknown parameter \(unknown)", field: unknown)
        }
        for spec in specs {
            let value = object[spec.name]
            guard let value, !value.isNull else {
                if spec.required { throw .invalidParams("missing required parameter \(spec.name)", field: spec.name) }
                continue
            }
            guard spec.type.accepts(value) else {
                throw .invalidParams("\(spec.name) must be \(spec.type.name)", field: spec.name)
            }
            if let (field, why) = spec.type.contentProblem(value, at: spec.name) {
                throw RPCError(OMSError(.invalidArgument, "\(field): \(why)", details: ["field": field]))
            }
        }
        // No PostgreSQL text or jsonb value can hold NUL: refused wherever it
        // is, in nested objects (metadata, changes, rule parameters) and keys too.
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if let field = Params.pathOfNUL(in: value, at: name) {
                throw RPCError(OMSError(.invalidArgument, "\(field): must not contain NUL (U+0000)",
                                        details: ["field": field]))
            }
        }
        values = object.filter { !$0.value.isNull }
    }

    /// The path of the first string or object key holding NUL in `value`, or nil.
    static func pathOfNUL(in value: JSON, at path: String) -> String? {
        switch value {
        case .string(let text):
            return InputText.containsNUL(text) ? path : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = pathOfNUL(in: item, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if InputText.containsNUL(key) { return path }
                if let found = pathOfNUL(in: member, at: "\(path).\(key)") { return found }
            }
            return nil
        case .null, .bool, .number:
            return nil
        }
    }
}
