import Logging
import OMSProtocol

/// Every setting of a sidecar (`oms serve`), each with its default. This is
/// the one place a default is written: the front's `ServerConfiguration`, the
/// services' limits, the authentication throttle, `oms serve --help` and
/// `--print-config` all read it.
public struct ServeConfiguration: Sendable {
    /// Address to listen on for JSON-RPC.
    public var host = ProtocolDefaults.host
    /// TCP port for JSON-RPC.
    public var port = ProtocolDefaults.port
    /// nil: the embedded PostgreSQL under `dataDirectory`.
    public var databaseURL: String?
    /// Folder for the embedded PostgreSQL and the demo keys.
    public var dataDirectory = ".oms"
    /// PostgreSQL connections in the pool.
    public var poolSize = 20
    /// Longest request line in bytes; a longer one is answered with an error and the connection closed.
    public var maximumLineLength = ProtocolDefaults.maximumLineLength
    /// Requests of one connection worked on at once; further lines wait unread (TCP backpressure).
    public var maximumInFlight = 64
    /// Requests in one batch; a larger batch is refused whole with LIMIT_EXCEEDED.
    public var maximumBatchSize = 1_000
    /// Open connections per client address; one more gets LIMIT_EXCEEDED and is closed.
    public var maximumConnectionsPerAddress = 256
    /// Subscriptions one connection may hold at once.
    public var maximumSubscriptions = 100
    /// Largest order metadata, in bytes of compact JSON with its numbers written out in full (as stored and read back).
    public var maximumMetadataBytes = 16_384
    /// Failed `session.authenticate` calls per client address per window.
    public var authFailureLimit = 10
    /// Seconds of the authentication-failure window.
    public var authFailureWindow = 60
    /// Both set: serve TLS; both nil: plain TCP.
    public var tlsCertificate: String?
    /// The PEM private key of `tlsCertificate`.
    public var tlsKey: String?
    /// The lowest level of log message written.
    public var logLevel = Logger.Level.info
    /// Decide pending compliance checks with the built-in rule engine.
    public var evaluateCompliance = false
    /// Events buffered per subscription before a slow subscriber is cut off.
    public var subscriptionBuffer = 10_000
    /// Address of the operations endpoint; nil: the same as `host`.
    public var metricsHost: String?
    /// Port of the operations endpoint (0 picks a free one); nil: no endpoint.
    public var metricsPort: Int?

    /// The defaults, which every other source of settings starts from.
    public init() {}

    /// The defaults.
    public static let defaults = ServeConfiguration()

    /// Where the operations endpoint listens.
    public var effectiveMetricsHost: String { metricsHost ?? host }

    /// The TLS files, when both are given.
    public var tls: ServerTLS? {
        guard let tlsCertificate, let tlsKey else { return nil }
        return ServerTLS(certificatePath: tlsCertificate, privateKeyPath: tlsKey)
    }

    /// What the JSON-RPC front needs.
    public var server: ServerConfiguration {
        ServerConfiguration(host: host, port: port, maximumLineLength: maximumLineLength,
                            maximumInFlightPerConnection: maximumInFlight, maximumBatchSize: maximumBatchSize,
                            maximumConnectionsPerAddress: maximumConnectionsPerAddress, tls: tls)
    }

    /// The authentication throttle's limit.
    public var authenticationLimit: AuthenticationThrottle.Limit {
        AuthenticationThrottle.Limit(failures: authFailureLimit, window: .seconds(authFailureWindow))
    }
}
