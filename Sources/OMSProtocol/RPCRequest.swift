import OMSCore

/// One call from a client. `id == nil` makes it a notification: it runs but
/// gets no response.
public struct RPCRequest: Sendable, Equatable {
    /// The id to echo in the response; nil for a notification.
    public var id: RPCID?
    /// The method name, e.g. `oms.create_order`.
    public var method: String
    /// The parameters: an object (by name) or an array (by position), or nil when absent.
    public var params: JSON?

    /// Makes a request.
    public init(id: RPCID?, method: String, params: JSON?) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// `{"jsonrpc":"2.0","method":…,"params":…,"id":…}`, without `id` or
    /// `params` when they are nil.
    public var json: JSON {
        var members: [String: JSON] = ["jsonrpc": .string("2.0"), "method": .string(method)]
        if let params { members["params"] = params }
        if let id { members["id"] = id.json }
        return .object(members)
    }
}
