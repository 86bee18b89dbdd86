import OMSProtocol

/// How the JSON-RPC front listens and what it allows per connection and per client address.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on; 0 picks a free one.
    public var port: Int
    /// Longest request line; a longer one is answered with an error and the connection closed.
    public var maximumLineLength: Int
    /// Requests of one connection being worked on at once; further lines wait
    /// unread (TCP backpressure), so a pipelining client loses no answer.
    public var maximumInFlightPerConnection: Int
    /// Requests in one batch; a larger batch is refused whole with LIMIT_EXCEEDED and none of it runs.
    public var maximumBatchSize: Int
    /// Open connections from one client address; one more is answered with
    /// LIMIT_EXCEEDED and closed, and the others are unaffected.
    public var maximumConnectionsPerAddress: Int
    /// Serve TLS with this certificate and key; nil serves plain TCP.
    public var tls: ServerTLS?

    /// Defaults from `ServeConfiguration`.
    public init(host: String = ServeConfiguration.defaults.host, port: Int = ServeConfiguration.defaults.port,
                maximumLineLength: Int = ServeConfiguration.defaults.maximumLineLength,
                maximumInFlightPerConnection: Int = ServeConfiguration.defaults.maximumInFlight,
                maximumBatchSize: Int = ServeConfiguration.defaults.maximumBatchSize,
                maximumConnectionsPerAddress: Int = ServeConfiguration.defaults.maximumConnectionsPerAddress,
                tls: ServerTLS? = nil) {
        self.host = host
        self.port = port
        self.maximumLineLength = maximumLineLength
        self.maximumInFlightPerConnection = maximumInFlightPerConnection
        self.maximumBatchSize = maximumBatchSize
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        self.tls = tls
    }
}
