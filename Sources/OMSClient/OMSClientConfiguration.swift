import Foundation
import OMSProtocol

/// Where an ``OMSClient`` connects and how it behaves. Every field has a default.
public struct OMSClientConfiguration: Sendable {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// The API key to authenticate with on connect; nil leaves the session unauthenticated.
    public var apiKey: String?
    /// How many calls may await answers at once; further calls wait for a slot
    /// before they are sent, so a busy caller cannot flood the server.
    public var maxInFlight: Int
    /// The longest response line accepted, in bytes. Larger than the server's
    /// request limit because answers such as `oms.list_orders` can be big.
    public var maximumResponseLength: Int
    /// Speak TLS, trusting these authorities; nil speaks plain TCP.
    public var tls: ClientTLS?

    /// Makes a configuration.
    public init(
        host: String = ProtocolDefaults.host, port: Int = ProtocolDefaults.port, apiKey: String? = nil,
        maxInFlight: Int = 64, maximumResponseLength: Int = 64 << 20, tls: ClientTLS? = nil
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxInFlight = maxInFlight
        self.maximumResponseLength = maximumResponseLength
        self.tls = tls
    }

    /// A configuration from explicit values, falling back to the environment
    /// (`OMS_ADDRESS`, `OMS_API_KEY`, `OMS_TLS_CA`) and then to the defaults.
    /// A CA bundle or a TLS server name turns TLS on (without a bundle, the system's authorities are trusted).
    ///
    /// `address` is `host:port`, `host`, `:port` or `[ipv6]:port`. Text that
    /// does not end in a valid port is taken whole as the host, so a typo
    /// surfaces as a connection error naming it.
    public static func fromEnvironment(address: String?, apiKey: String?, tlsCAFile: String? = nil,
                                       tlsServerName: String? = nil) -> OMSClientConfiguration {
        let environment = ProcessInfo.processInfo.environment
        var configuration = OMSClientConfiguration(apiKey: apiKey ?? environment["OMS_API_KEY"])
        let caFile = tlsCAFile ?? environment["OMS_TLS_CA"].flatMap { $0.isEmpty ? nil : $0 }
        if caFile != nil || tlsServerName != nil {
            configuration.tls = ClientTLS(caFile: caFile, serverName: tlsServerName)
        }
        let address = address ?? environment["OMS_ADDRESS"]
        if let address, !address.isEmpty {
            let (host, port) = split(address)
            if !host.isEmpty { configuration.host = host }
            if let port { configuration.port = port }
        }
        return configuration
    }

    private static func split(_ address: String) -> (host: String, port: Int?) {
        guard let colon = address.lastIndex(of: ":") else { return (address, nil) }
        var host = address[..<colon]
        guard let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port),
              !host.contains(":") || (host.hasPrefix("[") && host.hasSuffix("]"))
        else { return (address, nil) }  // a bare IPv6 address, or no valid port
        if host.hasPrefix("[") { host = host.dropFirst().dropLast() }
        return (String(host), port)
    }
}
