extension JSON {
    /// Compact UTF-8 JSON: no whitespace, no raw newlines, object keys sorted,
    /// control characters, quotes and backslashes escaped; other non-ASCII
    /// text stays raw UTF-8.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// ``serialized()`` as a `String`.
    public var serializedString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
