import OMSCore
import OMSProtocol

/// Every method the server answers, by name. The dispatcher routes with it
/// and `rpc.discover` publishes it, so the two cannot drift.
public struct Catalogue: Sendable {
    public let methods: [String: MethodSpec]
    /// Methods in the order they were declared (for the OpenRPC document).
    public let ordered: [MethodSpec]

    public init(_ specs: [MethodSpec]) {
        ordered = specs
        methods = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The full catalogue of this server.
    public static let standard = Catalogue(
        Catalogue.sessionMethods + Catalogue.orderMethods + Catalogue.complianceMethods
            + Catalogue.executionMethods + Catalogue.restructuringMethods + Catalogue.allocationMethods + Catalogue.ruleMethods
            + Catalogue.subscriptionMethods + Catalogue.adminMethods)

    /// Methods anyone may call before authenticating.
    static let unauthenticated: Set<String> = ["session.authenticate", "rpc.discover"]

    static let sessionMethods: [MethodSpec] = [
        MethodSpec("session.authenticate", "Authenticate this connection with an API key.",
                   params: AuthenticateParams.self, result: "{tenant_id, principal_id, role}", mutating: false
        ) { _, _ in
            // Answered by the dispatcher, which owns the session; listed here for validation and discovery.
            throw OMSError(.internalError, "session.authenticate is handled by the dispatcher")
        },
        MethodSpec("rpc.discover", "The OpenRPC document describing every method.",
                   result: "OpenRPC 1.2 document", mutating: false) { _ in
            // Answered by the dispatcher without a principal (anyone may call it), from its own catalogue.
            throw OMSError(.internalError, "rpc.discover is handled by the dispatcher")
        },
    ]
}

struct AuthenticateParams: MethodParams {
    var apiKey: String
    static let specs = [ParamSpec("api_key", .string)]
}
