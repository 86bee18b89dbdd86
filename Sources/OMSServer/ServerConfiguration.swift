import OMSProtocol

/// How the JSON-RPC front listens and what it allows per connection.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Longest request line; a longer one is answered with an error and the connection closed.
    public var maximumLineLength: Int
    /// Requests of one connection being worked on at once; further lines wait.
    public var maximumInFlightPerConnection: Int

    public init(host: String = "127.0.0.1", port: Int = ProtocolDefaults.port,
                maximumLineLength: Int = ProtocolDefaults.maximumLineLength, maximumInFlightPerConnection: Int = 64) {
        self.host = host
        self.port = port
        self.maximumLineLength = maximumLineLength
        self.maximumInFlightPerConnection = maximumInFlightPerConnection
    }
}
