import OMSCore

extension RPCError {
    /// A domain error on the wire: its number from ``ErrorCodeTable``, its
    /// message, and `data` = `{"code": "ORDER_NOT_FOUND", …every detail}`.
    /// A detail named `code` is dropped: `data.code` always names the error.
    public init(_ error: OMSError) {
        var data = error.details.mapValues(JSON.string)
        data["code"] = .string(error.code.rawValue)
        self.init(code: ErrorCodeTable.number(for: error.code), message: error.message, data: .object(data))
    }

    /// The domain error this is, when `data.code` names an `OMSError.Code`;
    /// nil for protocol errors. Every other string member of `data` becomes a detail.
    public var omsError: OMSError? {
        guard let members = data?.objectValue,
              let code = members["code"]?.stringValue.flatMap(OMSError.Code.init(rawValue:))
        else { return nil }
        var details: [String: String] = [:]
        for (key, value) in members where key != "code" {
            if let text = value.stringValue { details[key] = text }
        }
        return OMSError(code, message, details: details)
    }
}
