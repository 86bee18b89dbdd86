/// Wire defaults shared by the server and its clients.
public enum ProtocolDefaults {
    /// The TCP port the server listens on unless told otherwise.
    public static let port = 9191
    /// The host the server listens on, and clients look for it on, unless told otherwise.
    public static let host = "127.0.0.1"
    /// Where clients look for a server unless told otherwise.
    public static let address = "\(host):\(port)"
    /// The longest request line the server accepts, in bytes (1 MiB).
    public static let maximumLineLength = 1 << 20
}
