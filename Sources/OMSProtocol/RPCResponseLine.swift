import OMSCore

/// What one line from the server holds, as a client sees it.
public enum RPCResponseLine: Sendable, Equatable {
    /// The answer to the request with `id` (nil when the server could not tell which request it answers).
    case response(id: RPCID?, result: Result<JSON, RPCError>)
    /// A message the server sent on its own, such as a subscription event.
    case notification(method: String, params: JSON?)
    /// The answers to a batch.
    case batch([RPCResponseLine])
}
