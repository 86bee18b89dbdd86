import CLibpq

/// A libpq connection string taken apart into its keywords, as libpq itself
/// parses it (`PQconninfoParse`): a URI (`postgresql://u@h1:5432,h2:5433/db?target_session_attrs=read-write`)
/// or key=value conninfo (`host=/run/postgresql dbname=oms`).
///
/// Keywords the string leaves out stay out, so libpq still fills them from
/// its environment (`PGHOST`, `PGSSLMODE`, `PGPASSFILE`, `PGSERVICE`, …) at
/// connect time. `description` hides the password.
public struct ConnectionString: Sendable, Hashable, CustomStringConvertible {
    /// Keyword and value, in libpq's keyword order.
    public private(set) var settings: [(keyword: String, value: String)]

    /// Parses `text`; throws libpq's own message for a malformed string or an unknown keyword.
    public init(_ text: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(text, &error) else {
            let message = error.map { String(cString: $0).trimmingTrailingNewlines() } ?? "out of memory"
            if let error { PQfreemem(error) }
            throw ConnectionError(kind: .connectFailed, message: "invalid connection string: \(message)", requestSent: false)
        }
        defer { PQconninfoFree(options) }
        var settings: [(keyword: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { settings.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        self.settings = settings
    }

    /// The value of `keyword`, if the string sets it.
    public subscript(keyword: String) -> String? {
        get { settings.first { $0.keyword == keyword }?.value }
        set {
            settings.removeAll { $0.keyword == keyword }
            if let newValue { settings.append((keyword, newValue)) }
        }
    }

    /// Adds `-c name=value` to the `options` keyword (server settings for the session).
    public mutating func addServerSetting(_ name: String, _ value: String) {
        let escaped = value.replacingAll(" ", with: "\\ ")
        let setting = "-c \(name)=\(escaped)"
        self["options"] = self["options"].map { $0 + " " + setting } ?? setting
    }

    /// key='value' conninfo that libpq parses back to the same settings.
    public var conninfo: String {
        settings.map { "\($0.keyword)=\(Self.quote($0.value))" }.joined(separator: " ")
    }

    /// The conninfo with the password hidden.
    public var description: String {
        settings.map { "\($0.keyword)=\($0.keyword == "password" ? "***" : Self.quote($0.value))" }
            .joined(separator: " ")
    }

    static func quote(_ value: String) -> String {
        "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }

    /// Equal when every keyword and value agree in order, the password included.
    public static func == (lhs: ConnectionString, rhs: ConnectionString) -> Bool {
        lhs.settings.elementsEqual(rhs.settings) { $0.keyword == $1.keyword && $0.value == $1.value }
    }

    /// Hashes each keyword and value in order, matching `==`.
    public func hash(into hasher: inout Hasher) {
        for (keyword, value) in settings {
            hasher.combine(keyword)
            hasher.combine(value)
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
