import OMSCore
import Testing
@testable import OMSProtocol

@Suite("JSON-RPC response decoding (client side)")
struct RPCResponseTests {
    func decode(_ bytes: [UInt8]) throws -> RPCResponseLine {
        try RPCCodec.decodeResponse(line: bytes)
    }

    @Test("reads what the server encodes")
    func readsServerLines() throws {
        #expect(try decode(RPCCodec.encodeResult(id: .number("3"), result: .string("ok")))
            == .response(id: .number("3"), result: .success(.string("ok"))))
        let error = RPCError.methodNotFound("nope")
        #expect(try decode(RPCCodec.encodeError(id: .string("a"), error: error))
            == .response(id: .string("a"), result: .failure(error)))
        #expect(try decode(RPCCodec.encodeError(id: nil, error: .invalidRequest("x")))
            == .response(id: nil, result: .failure(.invalidRequest("x"))))
        #expect(try decode(RPCCodec.encodeNotification(method: "oms.order_event", params: .object([:])))
            == .notification(method: "oms.order_event", params: .object([:])))
    }

    @Test("reads batch responses")
    func readsBatches() throws {
        let batch = RPCCodec.encodeBatch([
            RPCCodec.encodeResult(id: .number("1"), result: .null),
            RPCCodec.encodeError(id: .number("2"), error: .internalError("boom")),
        ])
        #expect(try decode(batch) == .batch([
            .response(id: .number("1"), result: .success(.null)),
            .response(id: .number("2"), result: .failure(.internalError("boom"))),
        ]))
    }

    @Test("refuses lines that are not JSON-RPC responses", arguments: [
        "not json", "42", "[]", #"{"id":1,"result":1}"#, #"{"jsonrpc":"2.0","id":1}"#,
        #"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}"#, #"{"jsonrpc":"2.0","id":true,"result":1}"#,
    ])
    func refusesGarbage(line: String) {
        #expect(throws: JSONParseError.self) { try RPCCodec.decodeResponse(line: Array(line.utf8)) }
    }
}
