/// What one line from a client holds: one request or a batch, each item
/// either understood or refused.
public enum RPCInbound: Sendable, Equatable {
    /// One request (or the failure to read one).
    case single(Result<RPCRequest, RPCFailure>)
    /// A batch, never empty; items are validated one by one.
    case batch([Result<RPCRequest, RPCFailure>])
}

/// A request that could not be understood: the error to answer with, and the
/// request's id when one could be recovered (answer with `"id": null` otherwise).
public struct RPCFailure: Error, Sendable, Equatable {
    /// The id to answer with, if the request carried a valid one.
    public var id: RPCID?
    /// The error to answer with.
    public var error: RPCError

    /// Makes a failure.
    public init(id: RPCID?, error: RPCError) {
        self.id = id
        self.error = error
    }
}
