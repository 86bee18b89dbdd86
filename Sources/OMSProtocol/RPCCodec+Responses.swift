import OMSCore

extension RPCCodec {
    /// Reads one line from the server (without its `\n`): a response, a
    /// notification, or a batch of responses. Throws when the line is not
    /// JSON or not a JSON-RPC message.
    public static func decodeResponse<Bytes: Collection>(line: Bytes) throws(JSONParseError) -> RPCResponseLine
    where Bytes.Element == UInt8 {
        let json = try JSONParser.parse(line)
        if case .array(let items) = json {
            guard !items.isEmpty else { throw notAResponse("empty batch") }
            return .batch(try items.map { item throws(JSONParseError) in try responseLine(item) })
        }
        return try responseLine(json)
    }

    private static func responseLine(_ json: JSON) throws(JSONParseError) -> RPCResponseLine {
        guard case .object(let members) = json else { throw notAResponse("not an object") }
        guard members["jsonrpc"] == .string("2.0") else { throw notAResponse("jsonrpc is not \"2.0\"") }
        if members["result"] == nil, members["error"] == nil, let method = members["method"]?.stringValue {
            return .notification(method: method, params: members["params"])
        }
        let id: RPCID?
        switch members["id"] {
        case nil, .null?: id = nil
        case let raw?:
            guard let valid = RPCID(raw) else { throw notAResponse("id must be a string, a number or null") }
            id = valid
        }
        if let result = members["result"] {
            return .response(id: id, result: .success(result))
        }
        guard let raw = members["error"], let error = RPCError(raw) else {
            throw notAResponse("neither result nor a valid error")
        }
        return .response(id: id, result: .failure(error))
    }

    private static func notAResponse(_ why: String) -> JSONParseError {
        JSONParseError(message: "not a JSON-RPC response: \(why)", offset: 0)
    }
}
