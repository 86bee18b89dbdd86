import OMSCore
import Testing
@testable import OMSProtocol

@Suite("JSON-RPC request decoding and encoding")
struct RPCCodecTests {
    func decode(_ line: String) -> RPCInbound {
        RPCCodec.decode(line: Array(line.utf8))
    }

    func decodeFailure(_ line: String) -> RPCFailure? {
        guard case .single(.failure(let failure)) = decode(line) else { return nil }
        return failure
    }

    @Test("reads a request with named params and a numeric id")
    func decodesRequest() {
        let inbound = decode(#"{"jsonrpc":"2.0","method":"oms.get_order","params":{"order_id":"O-1"},"id":7}"#)
        #expect(inbound == .single(.success(RPCRequest(
            id: .number("7"), method: "oms.get_order", params: .object(["order_id": .string("O-1")])))))
    }

    @Test("reads string ids, positional params and absent params")
    func decodesVariants() {
        #expect(decode(#"{"jsonrpc":"2.0","method":"m","params":[1],"id":"abc"}"#)
            == .single(.success(RPCRequest(id: .string("abc"), method: "m", params: .array([.number("1")])))))
        #expect(decode(#"{"jsonrpc":"2.0","method":"rpc.discover","id":1.0}"#)
            == .single(.success(RPCRequest(id: .number("1.0"), method: "rpc.discover", params: nil))))
    }

    @Test("reads a request without id as a notification")
    func decodesNotification() {
        #expect(decode(#"{"jsonrpc":"2.0","method":"m","params":{}}"#)
            == .single(.success(RPCRequest(id: nil, method: "m", params: .object([:])))))
    }

    @Test("answers malformed JSON with a parse error and no id")
    func parseError() throws {
        let failure = try #require(decodeFailure(#"{"jsonrpc":"2.0","method":"m","id":1"#))
        #expect(failure.id == nil)
        #expect(failure.error.code == -32700)
    }

    @Test("refuses invalid requests, keeping the id when it was valid", arguments: [
        (#"[]"#, nil as RPCID?), (#"42"#, nil), (#""x""#, nil), (#"null"#, nil), (#"true"#, nil),
        (#"{"method":"m","id":1}"#, .number("1")),
        (#"{"jsonrpc":"1.0","method":"m","id":"a"}"#, .string("a")),
        (#"{"jsonrpc":2.0,"method":"m","id":1}"#, .number("1")),
        (#"{"jsonrpc":"2.0","id":3}"#, .number("3")),
        (#"{"jsonrpc":"2.0","method":5,"id":3}"#, .number("3")),
        (#"{"jsonrpc":"2.0","method":"m","params":"p","id":4}"#, .number("4")),
        (#"{"jsonrpc":"2.0","method":"m","params":null,"id":4}"#, .number("4")),
        (#"{"jsonrpc":"2.0","method":"m","params":1}"#, nil),
        (#"{"jsonrpc":"2.0","method":"m","id":{}}"#, nil),
        (#"{"jsonrpc":"2.0","method":"m","id":[1]}"#, nil),
        (#"{"jsonrpc":"2.0","method":"m","id":true}"#, nil),
    ])
    func invalidRequests(line: String, id: RPCID?) throws {
        let failure = try #require(decodeFailure(line))
        #expect(failure.error.code == -32600)
        #expect(failure.id == id)
    }

    @Test("an explicit null id is a request answered with a null id, not a notification")
    func nullID() throws {
        #expect(decode(#"{"jsonrpc":"2.0","method":"m","id":null}"#)
            == .single(.success(RPCRequest(id: .null, method: "m", params: nil))))
        #expect(decode(#"{"jsonrpc":"2.0","method":"m"}"#) == .single(.success(RPCRequest(id: nil, method: "m", params: nil))))
        let answer = try JSONParser.parse(RPCCodec.encodeResult(id: .null, result: .bool(true)))
        #expect(answer == .object(["jsonrpc": .string("2.0"), "id": .null, "result": .bool(true)]))
    }

    @Test("validates batch items one by one")
    func mixedBatch() throws {
        let line = #"[{"jsonrpc":"2.0","method":"a","id":1}, 5, {"jsonrpc":"2.0","method":"b"}, {"method":"c","id":"x"}]"#
        guard case .batch(let items) = decode(line) else {
            Issue.record("expected a batch")
            return
        }
        try #require(items.count == 4)
        #expect(items[0] == .success(RPCRequest(id: .number("1"), method: "a", params: nil)))
        #expect(items[1] == .failure(RPCFailure(id: nil, error: .invalidRequest("a request must be a JSON object"))))
        #expect(items[2] == .success(RPCRequest(id: nil, method: "b", params: nil)))
        #expect(items[3] == .failure(RPCFailure(id: .string("x"), error: .invalidRequest("jsonrpc must be \"2.0\""))))
    }

    @Test("encodes results and errors as one line with the id echoed")
    func encodesResponses() throws {
        let result = RPCCodec.encodeResult(id: .number("7"), result: .object(["order_id": .string("O-1")]))
        #expect(String(decoding: result, as: UTF8.self) == #"{"jsonrpc":"2.0","id":7,"result":{"order_id":"O-1"}}"#)
        let error = RPCCodec.encodeError(id: nil, error: .parseError("bad"))
        let parsed = try JSONParser.parse(error)
        #expect(parsed["id"] == .null)
        #expect(parsed["error"]?["code"] == .number("-32700"))
        #expect(!result.contains(ASCII.newline) && !error.contains(ASCII.newline))
    }

    @Test("encodes notifications and batches")
    func encodesNotificationsAndBatches() {
        let note = RPCCodec.encodeNotification(method: "oms.order_event", params: .object(["n": .int(1)]))
        #expect(String(decoding: note, as: UTF8.self) == #"{"jsonrpc":"2.0","method":"oms.order_event","params":{"n":1}}"#)
        let batch = RPCCodec.encodeBatch([Array("1".utf8), Array("2".utf8)])
        #expect(String(decoding: batch, as: UTF8.self) == "[1,2]")
    }

    @Test("a request survives encoding and decoding")
    func requestRoundTrip() {
        let request = RPCRequest(id: .string("r-1"), method: "oms.list_orders", params: .object(["limit": .int(5)]))
        #expect(RPCCodec.decode(line: RPCCodec.encodeRequest(request)) == .single(.success(request)))
        let notification = RPCRequest(id: nil, method: "m", params: nil)
        #expect(notification.json == .object(["jsonrpc": .string("2.0"), "method": .string("m")]))
    }
}
