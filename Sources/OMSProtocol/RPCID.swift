/// A JSON-RPC request id, echoed back exactly as received.
public enum RPCID: Sendable, Hashable {
    /// A numeric id, as its literal text.
    case number(String)
    /// A string id.
    case string(String)
}

extension RPCID {
    /// The id as it appears on the wire.
    public var json: JSON {
        switch self {
        case .number(let text): .number(text)
        case .string(let text): .string(text)
        }
    }

    /// The id of a JSON value: a number or a string; nil for anything else.
    init?(_ json: JSON) {
        switch json {
        case .number(let text): self = .number(text)
        case .string(let text): self = .string(text)
        default: return nil
        }
    }
}
