import OMSCore
import OMSProtocol

/// The params of one method as a type: `specs` is the contract that is checked
/// before the handler runs and that `rpc.discover` publishes, and the struct's
/// properties are what the handler reads. Property names are the specs' names
/// in camelCase (`order_id` is `orderId`); a spec that is required is a
/// non-optional property. `CatalogueParamsTests` holds each struct to its specs.
public protocol MethodParams: Decodable, Sendable {
    /// The parameters, in the order `rpc.discover` lists them.
    static var specs: [ParamSpec] { get }
}

/// A method without params.
struct NoParams: MethodParams {
    static let specs: [ParamSpec] = []
}

extension Params {
    /// The checked params as `type`. The checks of the specs ran already, so
    /// a failure here is in a nested value (`violations[2]`), reported like
    /// the checks report theirs: INVALID_PARAMS naming the field.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONValueDecoder(.object(values)).decode(type)
        } catch let error as DecodingError {
            throw RPCError(error)
        }
    }
}

extension RPCError {
    /// INVALID_PARAMS for the first member of a `changes` object (by name)
    /// that is not in `known`, naming `changes.<member>`; nil when every
    /// member is known. `changeable`, when given, is listed in the message.
    static func unknownChange(in changes: [String: JSON], known: [String], changeable: [String]? = nil) -> RPCError? {
        guard let unknown = changes.keys.sorted().first(where: { !known.contains($0) }) else { return nil }
        let listing = changeable.map { " (changeable: \($0.joined(separator: ", ")))" } ?? ""
        return .invalidParams("changes.\(unknown) cannot be changed\(listing)", field: "changes.\(unknown)")
    }

    /// INVALID_PARAMS naming the field a decoding error is about.
    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let field = (context.codingPath + [key]).fieldName
            self = .invalidParams("missing required parameter \(field)", field: field)
        case .valueNotFound(_, let context):
            let field = context.codingPath.fieldName
            self = .invalidParams("missing required parameter \(field)", field: field)
        case .typeMismatch(_, let context):
            let field = context.codingPath.fieldName
            self = .invalidParams("\(field) must be \(context.debugDescription)", field: field)
        case .dataCorrupted(let context):
            let field = context.codingPath.fieldName
            self = .invalidParams("\(field) is invalid", field: field)
        @unknown default:
            self = .invalidParams("params are invalid", field: nil)
        }
    }
}
