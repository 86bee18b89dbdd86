import OMSCore
import OMSProtocol

/// The JSON type of a parameter, as checked before a handler runs and as
/// published by `rpc.discover`.
public indirect enum ParamType: Sendable, Equatable {
    /// Any string without NUL (a key such as `api_key`).
    case string
    /// An identifier: 1–128 visible ASCII characters (`InputText.isIdentifier`).
    case identifier
    /// Free text (a name, a reason): no control characters (`InputText.textProblem`).
    case text
    /// A decimal: JSON number or numeric string.
    case decimal
    case integer
    case boolean
    /// An RFC 3339 timestamp (or a plain date) string.
    case timestamp
    /// One of a fixed set of strings.
    case oneOf([String])
    case object
    case array(ParamType)

    /// JSON Schema for the OpenRPC document.
    var schema: JSON {
        switch self {
        case .string: .object(["type": .string("string")])
        case .identifier: .object(["type": .string("string"), "pattern": .string("^[!-~]{1,\(InputText.maximumIdentifierLength)}$")])
        case .text: .object(["type": .string("string"), "maxLength": .int(InputText.maximumTextLength)])
        case .decimal: .object(["type": .array([.string("string"), .string("number")]),
                                "description": .string("decimal; returned as a string")])
        case .integer: .object(["type": .string("integer")])
        case .boolean: .object(["type": .string("boolean")])
        case .timestamp: .object(["type": .string("string"), "format": .string("date-time")])
        case .oneOf(let values): .object(["type": .string("string"), "enum": .array(values.map(JSON.string))])
        case .object: .object(["type": .string("object")])
        case .array(let element): .object(["type": .string("array"), "items": element.schema])
        }
    }

    /// Whether a JSON value has this type (null is handled by the caller).
    /// The content of identifiers and text is checked after (`contentProblem`),
    /// so a string of the wrong shape is INVALID_ARGUMENT, not a type error.
    func accepts(_ value: JSON) -> Bool {
        switch self {
        case .string, .identifier, .text: value.stringValue != nil
        case .decimal: value.decimalValue != nil
        case .integer: value.intValue != nil
        case .boolean: value.boolValue != nil
        case .timestamp: value.stringValue.flatMap(Timestamp.parse) != nil
        case .oneOf(let values): value.stringValue.map(values.contains) ?? false
        case .object: value.objectValue != nil
        case .array(let element): value.arrayValue?.allSatisfy(element.accepts) ?? false
        }
    }

    /// Why an accepted value's content is refused, with the path of the
    /// offending element (`order_ids[2]`), or nil when it is fine.
    func contentProblem(_ value: JSON, at path: String) -> (field: String, why: String)? {
        switch (self, value) {
        case (.identifier, .string(let text)):
            return InputText.identifierProblem(text).map { (path, $0) }
        case (.text, .string(let text)):
            return InputText.textProblem(text).map { (path, $0) }
        case (.array(let element), .array(let items)):
            for (index, item) in items.enumerated() {
                if let problem = element.contentProblem(item, at: "\(path)[\(index)]") { return problem }
            }
            return nil
        default:
            return nil
        }
    }

    var name: String {
        switch self {
        case .string: "string"
        case .identifier: "identifier (string)"
        case .text: "string"
        case .decimal: "decimal (number or numeric string)"
        case .integer: "integer"
        case .boolean: "boolean"
        case .timestamp: "RFC 3339 timestamp"
        case .oneOf(let values): "one of \(values.joined(separator: ", "))"
        case .object: "object"
        case .array(let element): "array of \(element.name)"
        }
    }
}

/// One named parameter of a method.
public struct ParamSpec: Sendable {
    /// The parameter's wire name (snake_case).
    public var name: String
    /// What the value must be, checked before the handler runs.
    public var type: ParamType
    /// Whether a call without it is INVALID_PARAMS.
    public var required: Bool
    /// One line for `rpc.discover` and the docs.
    public var summary: String

    /// A parameter, required unless said otherwise.
    public init(_ name: String, _ type: ParamType, required: Bool = true, _ summary: String = "") {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }

    static func optional(_ name: String, _ type: ParamType, _ summary: String = "") -> ParamSpec {
        ParamSpec(name, type, required: false, summary)
    }
}

/// One method of the catalogue: its contract (for validation and
/// `rpc.discover`) and its handler, so the two cannot drift apart.
public struct MethodSpec: Sendable {
    /// Runs the method for the session's principal on params already
    /// checked against `params`.
    public typealias Handler = @Sendable (Params, RequestContext) async throws -> JSON
    /// Runs a method anyone may call before authenticating: it is given the
    /// connection, and no principal, because there is none yet.
    public typealias OpenHandler = @Sendable (Params, OpenContext) async throws -> JSON

    /// Who may call a method, which decides what its handler is given.
    public enum Access: Sendable {
        /// Anyone, authenticated or not (`session.authenticate`, `rpc.discover`).
        case open(OpenHandler)
        /// A session whose key and principal are still valid at the call.
        case authenticated(Handler)
    }

    /// The method's wire name (`oms.create_order`).
    public var name: String
    /// One line for `rpc.discover` and the docs.
    public var summary: String
    /// The parameters, checked before the handler runs and published.
    public var params: [ParamSpec]
    /// The type the handler decodes the params into (its `specs` are `params`,
    /// less the `idempotency_key` every mutating method takes).
    public var paramsType: any MethodParams.Type
    /// Roles that may call it (documentation; the kernel enforces).
    public var roles: [Role]
    /// Result description for the OpenRPC document.
    public var result: String
    /// Whether the method changes state (it then accepts `idempotency_key`).
    public var mutating: Bool
    /// Who may call it, and its handler.
    public var access: Access
    /// Whether the connection reads its next line only once this method has
    /// answered. `session.authenticate` changes the session, so a call
    /// pipelined right behind it must see the new session, not race it.
    public var answersBeforeNextLine: Bool

    /// Whether anyone may call the method before authenticating.
    public var isOpen: Bool {
        if case .open = access { true } else { false }
    }

    /// A method whose handler takes its params as `P`, decoded after the
    /// checks of `P.specs`.
    public init<P: MethodParams>(_ name: String, _ summary: String, params: P.Type, roles: [Role] = Role.allCases,
                                 result: String, mutating: Bool,
                                 handler: @escaping @Sendable (P, RequestContext) async throws -> JSON) {
        self.init(name, summary, params: P.self, roles: roles, result: result, mutating: mutating,
                  access: .authenticated { params, context in try await handler(try params.decode(P.self), context) })
    }

    /// A method anyone may call before authenticating; it changes nothing
    /// stored, so it takes no `idempotency_key`.
    init<P: MethodParams>(open name: String, _ summary: String, params: P.Type, result: String,
                          answersBeforeNextLine: Bool = false,
                          handler: @escaping @Sendable (P, OpenContext) async throws -> JSON) {
        self.init(name, summary, params: P.self, roles: Role.allCases, result: result, mutating: false,
                  access: .open { params, context in try await handler(try params.decode(P.self), context) })
        self.answersBeforeNextLine = answersBeforeNextLine
    }

    private init<P: MethodParams>(_ name: String, _ summary: String, params: P.Type, roles: [Role], result: String,
                                  mutating: Bool, access: Access) {
        self.name = name
        self.summary = summary
        self.params = mutating && !P.specs.contains(where: { $0.name == "idempotency_key" })
            ? P.specs + [.optional("idempotency_key", .identifier, "a retry with the same key returns the first answer")]
            : P.specs
        self.paramsType = P.self
        self.roles = roles
        self.result = result
        self.mutating = mutating
        self.access = access
        self.answersBeforeNextLine = false
    }
}

extension MethodSpec {
    /// The method that runs an order command: its name (`OrderCommand.method`)
    /// and roles (`OrderCommand.roles`, from the lifecycle table for a
    /// transition) come from the command, so the catalogue cannot disagree
    /// with the kernel.
    init<P: MethodParams>(_ command: OrderCommand, _ summary: String, params: P.Type, result: String,
                          handler: @escaping @Sendable (P, RequestContext) async throws -> JSON) {
        self.init(command.method, summary, params: params, roles: Role.allCases.filter(command.roles.contains),
                  result: result, mutating: true, handler: handler)
    }
}

/// Common parameter specs.
extension ParamSpec {
    static let orderId = ParamSpec("order_id", .identifier)
    static let state = ParamType.oneOf(OrderState.allCases.map(\.rawValue))
    static let direction = ParamType.oneOf(Direction.allCases.map(\.rawValue))
    static let orderType = ParamType.oneOf(OrderType.allCases.map(\.rawValue))
    static let timeInForce = ParamType.oneOf(TimeInForce.allCases.map(\.rawValue))
    static let role = ParamType.oneOf(Role.allCases.map(\.rawValue))
}
