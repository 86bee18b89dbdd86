import NIOCore
import NIOSSL
import NIOTLS
import OMSCore

/// How an ``OMSClient`` speaks TLS: which certificate authorities it trusts
/// and which name the server's certificate must carry.
public struct ClientTLS: Sendable, Equatable {
    /// A PEM bundle of the certificate authorities to trust; nil trusts the system's.
    public var caFile: String?
    /// The name the server's certificate must be valid for, also sent as SNI;
    /// nil uses the host connected to (an IP address is matched against the
    /// certificate's IP entries).
    public var serverName: String?

    /// TLS trusting `caFile`'s authorities (nil: the system's), checking `serverName` (nil: the host).
    public init(caFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.serverName = serverName
    }

    /// What a connection's TLS handler is made from; built before connecting, so a bad CA file fails at once.
    struct Prepared: Sendable {
        let context: NIOSSLContext
        /// nil for an IP address: SNI carries names only, and the certificate is checked against the connected IP.
        let serverHostname: String?

        func makeHandler() throws -> NIOSSLClientHandler {
            try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        }
    }

    /// The TLS context for a connection to `host`, verifying the server's certificate chain and name.
    func prepare(host: String) throws -> Prepared {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile {
            let authorities: [NIOSSLCertificate]
            do {
                authorities = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw OMSError(.unavailable, "cannot read the TLS CA bundle \(caFile): \(error)")
            }
            configuration.trustRoots = .certificates(authorities)
        }
        let name = serverName ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        do {
            return Prepared(context: try NIOSSLContext(configuration: configuration), serverHostname: isAddress ? nil : name)
        } catch {
            throw OMSError(.unavailable, "cannot set up TLS: \(error)")
        }
    }
}

/// Completes `promise` when the TLS handshake is done, or fails it with the
/// handshake's error, so `connect` reports an untrusted server itself rather
/// than leaving it to the first call.
final class TLSHandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(OMSError(.unavailable, "the server closed the connection during the TLS handshake"))
        context.fireChannelInactive()
    }
}
