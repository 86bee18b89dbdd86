/// A statement prepared once per connection and then executed by name.
///
/// The name derives from the SQL and the parameter types, so the same value
/// (or an equal one built elsewhere) maps to the same server-side prepared
/// statement on every connection. A connection prepares it lazily, in the
/// same pipeline as its first execution, so preparing costs no round trip.
/// Do not run `DEALLOCATE` or `DISCARD ALL` on pooled connections: the
/// connection's record of what it prepared would no longer be true.
public struct Statement: Sendable, Hashable {
    /// The SQL, with `$1`, `$2`, … placeholders.
    public let sql: String
    /// Declared parameter types; fewer than the placeholders (or none) lets the server infer the rest.
    public let parameterTypes: [PostgresType]
    /// The server-side name: `oms_` and a 64-bit FNV-1a hash of the SQL and types.
    public let name: String
    /// Whether the SQL holds U+0000 (which libpq's C strings would cut short); found while hashing.
    let containsNUL: Bool

    /// A statement; nothing is sent until it is executed.
    public init(_ sql: String, parameterTypes: [PostgresType] = []) {
        self.sql = sql
        self.parameterTypes = parameterTypes
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var nul = false
        for byte in sql.utf8 {
            mix(byte)
            nul = nul || byte == 0
        }
        self.containsNUL = nul
        for type in parameterTypes {
            mix(0)
            withUnsafeBytes(of: type.oid.littleEndian) { $0.forEach(mix) }
        }
        let hex = String(hash, radix: 16)
        self.name = "oms_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
