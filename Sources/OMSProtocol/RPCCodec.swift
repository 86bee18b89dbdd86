import OMSCore

/// Reads and writes JSON-RPC 2.0 lines. Lines never include their `\n`.
public enum RPCCodec {
    /// Reads one request line (without its `\n`).
    ///
    /// Invalid JSON is a parse error and an empty batch an invalid request,
    /// both without an id. Every request, alone or in a batch, must be an
    /// object with `"jsonrpc":"2.0"`, a string `method`, `params` (if present)
    /// an object or array, and `id` (if present) a string, a number or null;
    /// otherwise it is an invalid request that keeps its id when the id itself
    /// was valid. An explicit `"id": null` is a request answered with
    /// `"id": null` (JSON-RPC 2.0 allows it); only a missing `id` makes a notification.
    public static func decode<Bytes: Collection>(line: Bytes) -> RPCInbound where Bytes.Element == UInt8 {
        let json: JSON
        do {
            json = try JSONParser.parse(line)
        } catch {
            return .single(.failure(RPCFailure(id: nil, error: .parseError(error.description))))
        }
        guard case .array(let items) = json else { return .single(request(from: json)) }
        guard !items.isEmpty else {
            return .single(.failure(RPCFailure(id: nil, error: .invalidRequest("empty batch"))))
        }
        return .batch(items.map(request(from:)))
    }

    private static func request(from json: JSON) -> Result<RPCRequest, RPCFailure> {
        guard case .object(let members) = json else {
            return .failure(RPCFailure(id: nil, error: .invalidRequest("a request must be a JSON object")))
        }
        var id: RPCID?
        if let rawID = members["id"] {
            guard let valid = RPCID(rawID) else {
                return .failure(RPCFailure(id: nil, error: .invalidRequest("id must be a string, a number or null")))
            }
            id = valid
        }
        func refuse(_ message: String) -> Result<RPCRequest, RPCFailure> {
            .failure(RPCFailure(id: id, error: .invalidRequest(message)))
        }
        guard members["jsonrpc"] == .string("2.0") else { return refuse("jsonrpc must be \"2.0\"") }
        guard let method = members["method"]?.stringValue else { return refuse("method must be a string") }
        let params = members["params"]
        switch params {
        case nil, .object?, .array?: break
        default: return refuse("params must be an object or an array")
        }
        return .success(RPCRequest(id: id, method: method, params: params))
    }
}
