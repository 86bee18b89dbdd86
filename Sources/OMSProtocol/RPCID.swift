import OMSCore

/// A JSON-RPC request id, echoed back exactly as received.
public enum RPCID: Sendable, Hashable {
    /// A numeric id, as its literal text.
    case number(String)
    /// A string id.
    case string(String)
    /// An explicit `"id": null`. JSON-RPC 2.0 allows it (and discourages it):
    /// the request is answered, with `"id": null`, unlike a notification, which
    /// has no `id` member at all. Several such requests in flight cannot be told
    /// apart by their answers; that is the client's choice.
    case null
}

extension RPCID {
    /// The id as it appears on the wire.
    public var json: JSON {
        switch self {
        case .number(let text): .number(text)
        case .string(let text): .string(text)
        case .null: .null
        }
    }

    /// The id of a JSON value: a number, a string or null; nil for anything else.
    init?(_ json: JSON) {
        switch json {
        case .number(let text): self = .number(text)
        case .string(let text): self = .string(text)
        case .null: self = .null
        default: return nil
        }
    }
}
