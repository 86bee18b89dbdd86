import NIOSSL

/// The server's TLS identity: a PEM certificate chain (leaf first) and its PEM private key.
public struct ServerTLS: Sendable, Equatable {
    /// PEM file of the certificate chain, leaf first.
    public var certificatePath: String
    /// PEM file of the leaf certificate's private key (unencrypted).
    public var privateKeyPath: String

    /// Names the two files; they are read when the server binds.
    public init(certificatePath: String, privateKeyPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
    }

    /// Reads the files once, at bind, so a bad path or key stops the server at start with a message naming it.
    func makeContext() throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSSetupError("cannot read the TLS certificate chain \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else { throw TLSSetupError("no PEM certificate in \(certificatePath)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw TLSSetupError("cannot read the TLS private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("the TLS certificate \(certificatePath) and key \(privateKeyPath) do not work together: \(error)")
        }
    }
}

/// TLS files that cannot be used; the message names the file.
public struct TLSSetupError: Error, CustomStringConvertible {
    /// What is wrong, naming the file.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
