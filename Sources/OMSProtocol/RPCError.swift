import OMSCore

/// A JSON-RPC error object: what a failed call answers.
///
/// Protocol errors use the standard codes (-32700 …); domain errors come
/// from an `OMSError` (see `init(_:)`) and carry its code name in `data.code`.
public struct RPCError: Error, Sendable, Equatable {
    /// The numeric code.
    public var code: Int
    /// A short description, safe to show a client.
    public var message: String
    /// Structured detail, if any.
    public var data: JSON?

    /// Makes an error object.
    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// -32700: the line is not valid JSON.
    public static func parseError(_ message: String) -> RPCError {
        RPCError(code: -32700, message: "Parse error: \(message)")
    }

    /// -32600: valid JSON, but not a valid request.
    public static func invalidRequest(_ message: String) -> RPCError {
        RPCError(code: -32600, message: "Invalid request: \(message)")
    }

    /// -32601: no such method; `data.method` names it.
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: -32601, message: "Method not found: \(method)", data: .object(["method": .string(method)]))
    }

    /// -32602: the params are wrong; `data` is `{"code":"INVALID_PARAMS","field":…}`.
    public static func invalidParams(_ message: String, field: String?) -> RPCError {
        var data: [String: JSON] = ["code": .string("INVALID_PARAMS")]
        if let field { data["field"] = .string(field) }
        return RPCError(code: -32602, message: message, data: .object(data))
    }

    /// -32603: the server failed.
    public static func internalError(_ message: String) -> RPCError {
        RPCError(code: -32603, message: message)
    }

    /// `{"code":…,"message":…,"data":…}`, without `data` when it is nil.
    public var json: JSON {
        var members: [String: JSON] = ["code": .int(code), "message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }

    /// The error object a response carries, or nil when `json` is not one.
    init?(_ json: JSON) {
        guard let code = json["code"]?.intValue, let message = json["message"]?.stringValue else { return nil }
        self.init(code: code, message: message, data: json["data"])
    }
}

extension RPCError: CustomStringConvertible {
    /// `"<message> (<code>)"`, plus `data` when present.
    public var description: String {
        "\(message) (\(code))" + (data.map { " \($0.serializedString)" } ?? "")
    }
}
