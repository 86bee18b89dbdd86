import OMSCore
import Testing
@testable import OMSProtocol

@Suite("JSON-RPC errors and the error code table")
struct RPCErrorTests {
    @Test("every OMSError code has its own number in the server-error range")
    func uniqueNumbers() {
        let numbers = OMSError.Code.allCases.map(ErrorCodeTable.number(for:))
        #expect(Set(numbers).count == OMSError.Code.allCases.count)
        #expect(numbers.allSatisfy { (-32099 ... -32000).contains($0) })
        #expect(ErrorCodeTable.all.count == OMSError.Code.allCases.count)
    }

    @Test("the table round-trips between codes and numbers")
    func roundTrip() {
        for code in OMSError.Code.allCases {
            #expect(ErrorCodeTable.code(for: ErrorCodeTable.number(for: code)) == code)
        }
        for entry in ErrorCodeTable.all {
            #expect(ErrorCodeTable.number(for: entry.code) == entry.number)
        }
        #expect(ErrorCodeTable.code(for: -32700) == nil)
        #expect(ErrorCodeTable.code(for: 0) == nil)
    }

    @Test("published numbers never change")
    func pinnedNumbers() {
        let pinned: [OMSError.Code: Int] = [
            .orderNotFound: -32001, .invalidState: -32002, .fieldLocked: -32003, .cancelNotAuthorized: -32004,
            .invalidInstrument: -32005, .invalidPortfolio: -32006, .invalidOrderType: -32007,
            .duplicateOrder: -32008, .permissionDenied: -32009, .invalidArgument: -32010, .overfill: -32011,
            .unauthenticated: -32012,
        ]
        for (code, number) in pinned { #expect(ErrorCodeTable.number(for: code) == number) }
        #expect(ErrorCodeTable.all.first?.number == -32001)
    }

    @Test("a domain error carries its code name and details in data")
    func fromOMSError() {
        let error = OMSError(.invalidState, "cancel is not allowed", details: ["state": "FILLED", "order_id": "O-1"])
        let rpc = RPCError(error)
        #expect(rpc.code == -32002)
        #expect(rpc.message == "cancel is not allowed")
        #expect(rpc.data == .object([
            "code": .string("INVALID_STATE"), "state": .string("FILLED"), "order_id": .string("O-1"),
        ]))
        #expect(rpc.omsError == error)
    }

    @Test("the code name wins over a detail called code")
    func detailNamedCode() {
        let rpc = RPCError(OMSError(.conflict, "m", details: ["code": "other"]))
        #expect(rpc.data?["code"] == .string("CONFLICT"))
    }

    @Test("every domain error survives the wire", arguments: OMSError.Code.allCases)
    func wireRoundTrip(code: OMSError.Code) throws {
        let error = OMSError(code, "message \(code.rawValue)", details: ["k": "v"])
        let line = RPCCodec.encodeError(id: .number("1"), error: RPCError(error))
        guard case .response(_, .failure(let decoded)) = try RPCCodec.decodeResponse(line: line) else {
            Issue.record("expected an error response")
            return
        }
        #expect(decoded.omsError == error)
    }

    @Test("protocol errors are not domain errors and use the standard codes")
    func protocolErrors() {
        #expect(RPCError.parseError("x").code == -32700)
        #expect(RPCError.invalidRequest("x").code == -32600)
        #expect(RPCError.methodNotFound("m").code == -32601)
        #expect(RPCError.methodNotFound("m").data == .object(["method": .string("m")]))
        let params = RPCError.invalidParams("limit must be an integer", field: "limit")
        #expect(params.code == -32602)
        #expect(params.data == .object(["code": .string("INVALID_PARAMS"), "field": .string("limit")]))
        #expect(RPCError.internalError("x").code == -32603)
        for error in [RPCError.parseError("x"), .invalidRequest("x"), .methodNotFound("m"), params, .internalError("x")] {
            #expect(error.omsError == nil)
        }
    }

    @Test("the error object omits data when there is none")
    func errorJSON() {
        #expect(RPCError(code: -32603, message: "m").json == .object(["code": .int(-32603), "message": .string("m")]))
    }
}
