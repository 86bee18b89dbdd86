import OMSCore
import OMSProtocol

/// Builds the OpenRPC 1.2 document `rpc.discover` returns, from the same
/// catalogue the dispatcher routes with.
enum OpenRPC {
    static func document(for catalogue: Catalogue) -> JSON {
        .object([
            "openrpc": .string("1.2.6"),
            "info": .object([
                "title": .string("OMS JSON-RPC API"),
                "version": .string("1.0.0"),
                "description": .string(
                    "One JSON-RPC 2.0 object (or batch) per line over TCP (TLS when the server has a certificate). Call session.authenticate first. "
                        + "Decimals are accepted as numbers or strings and returned as strings; timestamps are RFC 3339 UTC."),
            ]),
            "methods": .array(catalogue.ordered.map(method)),
            "components": .object(["x-error-codes": .array(ErrorCodeTable.all.map { entry in
                .object(["name": .string(entry.code.rawValue), "code": .int(entry.number)])
            })]),
        ])
    }

    static func method(_ spec: MethodSpec) -> JSON {
        .object([
            "name": .string(spec.name),
            "summary": .string(spec.summary),
            "paramStructure": .string("by-name"),
            "params": .array(spec.params.map { param in
                .object([
                    "name": .string(param.name),
                    "required": .bool(param.required),
                    "description": .string(param.summary),
                    "schema": param.type.schema,
                ])
            }),
            "result": .object(["name": .string("result"), "description": .string(spec.result),
                               "schema": .object(["type": .string("object")])]),
            "x-roles": .array(spec.roles.map { .string($0.rawValue) }),
            "x-mutating": .bool(spec.mutating),
        ])
    }
}
