import OMSCore

extension RPCCodec {
    /// A success response line: `{"jsonrpc":"2.0","id":…,"result":…}`; a nil id is written as `null`.
    public static func encodeResult(id: RPCID?, result: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw(#"{"jsonrpc":"2.0","id":"#)
        writer.write(id?.json ?? .null)
        writer.writeRaw(#","result":"#)
        writer.write(result)
        writer.writeRaw("}")
        return writer.bytes
    }

    /// An error response line: `{"jsonrpc":"2.0","id":…,"error":{…}}`; a nil id is written as `null`.
    public static func encodeError(id: RPCID?, error: RPCError) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw(#"{"jsonrpc":"2.0","id":"#)
        writer.write(id?.json ?? .null)
        writer.writeRaw(#","error":"#)
        writer.write(error.json)
        writer.writeRaw("}")
        return writer.bytes
    }

    /// A notification line from the server: `{"jsonrpc":"2.0","method":…,"params":…}`.
    public static func encodeNotification(method: String, params: JSON) -> [UInt8] {
        var writer = JSONWriter()
        writer.writeRaw(#"{"jsonrpc":"2.0","method":"#)
        writer.write(string: method)
        writer.writeRaw(#","params":"#)
        writer.write(params)
        writer.writeRaw("}")
        return writer.bytes
    }

    /// A request line, as a client sends it.
    public static func encodeRequest(_ request: RPCRequest) -> [UInt8] {
        request.json.serialized()
    }

    /// A batch response line from already encoded responses: `[a,b,…]`.
    public static func encodeBatch(_ responses: [[UInt8]]) -> [UInt8] {
        var writer = JSONWriter(capacity: responses.reduce(2) { $0 + $1.count + 1 })
        writer.writeRaw("[")
        for (position, response) in responses.enumerated() {
            if position > 0 { writer.writeRaw(",") }
            writer.writeRaw(response)
        }
        writer.writeRaw("]")
        return writer.bytes
    }
}
