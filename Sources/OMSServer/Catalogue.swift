import OMSCore
import OMSProtocol

/// Every method the server answers, by name. The dispatcher routes with it
/// and `rpc.discover` publishes it, so the two cannot drift.
public struct Catalogue: Sendable {
    /// Methods by name; on a duplicate name the first declared wins.
    public let methods: [String: MethodSpec]
    /// Methods in the order they were declared (for the OpenRPC document).
    public let ordered: [MethodSpec]

    /// A catalogue of `specs`, keeping their order for the OpenRPC document.
    public init(_ specs: [MethodSpec]) {
        ordered = specs
        methods = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The full catalogue of this server.
    public static let standard = Catalogue(
        Catalogue.sessionMethods + Catalogue.orderMethods + Catalogue.complianceMethods
            + Catalogue.executionMethods + Catalogue.restructuringMethods + Catalogue.allocationMethods + Catalogue.ruleMethods
            + Catalogue.subscriptionMethods + Catalogue.adminMethods)

    static let sessionMethods: [MethodSpec] = [
        MethodSpec(open: "session.authenticate", "Authenticate this connection with an API key.",
                   params: AuthenticateParams.self, result: "{tenant_id, principal_id, role}",
                   answersBeforeNextLine: true) { p, context in
            try await context.authenticator.authenticate(apiKey: p.apiKey, session: context.session, logger: context.logger)
        },
        MethodSpec(open: "rpc.discover", "The OpenRPC document describing every method.", params: NoParams.self,
                   result: "OpenRPC 1.2 document") { _, context in
            OpenRPC.document(for: context.catalogue)
        },
    ]
}

struct AuthenticateParams: MethodParams {
    var apiKey: String
    static let specs = [ParamSpec("api_key", .string)]
}
