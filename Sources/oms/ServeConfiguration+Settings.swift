import ArgumentParser
import Foundation
import Logging
import OMSServer

/// One setting of `oms serve`: its flag, environment variable, default as
/// `--help` and the docs show it, and for a number the values it may take.
/// Each is declared once here; the flag, its help, the variable's reading and
/// its check take them from it.
struct ServeSetting: Sendable {
    /// The flag, with its dashes (`--port`).
    var flag: String
    var env: String
    var defaultValue: String
    /// The values a number may take; nil for a setting that is not a number.
    var range: ClosedRange<Int>?

    init(_ flag: String, _ env: String, _ defaultValue: String, _ range: ClosedRange<Int>? = nil) {
        (self.flag, self.env, self.defaultValue, self.range) = (flag, env, defaultValue, range)
    }

    /// The flag's name for ArgumentParser (`port`).
    var name: NameSpecification { .customLong(String(flag.dropFirst(2))) }

    /// `text` with the variable and the default.
    func help(_ text: String) -> ArgumentHelp {
        ArgumentHelp("\(text) (env \(env); default: \(defaultValue))")
    }

    private static let d = ServeConfiguration.defaults
    static let host = ServeSetting("--host", "OMS_HOST", d.host)
    static let port = ServeSetting("--port", "OMS_PORT", "\(d.port)", 0...65_535)
    static let databaseURL = ServeSetting("--database-url", "OMS_DATABASE_URL", "embedded PostgreSQL under --data-dir")
    static let dataDirectory = ServeSetting("--data-dir", "OMS_DATA_DIR", d.dataDirectory)
    static let poolSize = ServeSetting("--pool-size", "OMS_POOL_SIZE", "\(d.poolSize)", 1...10_000)
    static let maximumLineLength = ServeSetting("--max-line-length", "OMS_MAX_LINE_LENGTH", "\(d.maximumLineLength)",
                                                256...(1 << 30))
    static let maximumInFlight = ServeSetting("--max-in-flight", "OMS_MAX_IN_FLIGHT", "\(d.maximumInFlight)", 1...100_000)
    static let maximumBatchSize = ServeSetting("--max-batch-size", "OMS_MAX_BATCH_SIZE", "\(d.maximumBatchSize)",
                                               1...1_000_000)
    static let maximumConnectionsPerAddress = ServeSetting(
        "--max-connections-per-address", "OMS_MAX_CONNECTIONS_PER_ADDRESS", "\(d.maximumConnectionsPerAddress)",
        1...1_000_000)
    static let maximumSubscriptions = ServeSetting("--max-subscriptions", "OMS_MAX_SUBSCRIPTIONS",
                                                   "\(d.maximumSubscriptions)", 1...1_000_000)
    static let maximumMetadataBytes = ServeSetting("--max-metadata-bytes", "OMS_MAX_METADATA_BYTES",
                                                   "\(d.maximumMetadataBytes)", 2...(1 << 30))
    static let authFailureLimit = ServeSetting("--auth-failure-limit", "OMS_AUTH_FAILURE_LIMIT", "\(d.authFailureLimit)",
                                               1...1_000_000)
    static let authFailureWindow = ServeSetting("--auth-failure-window", "OMS_AUTH_FAILURE_WINDOW",
                                                "\(d.authFailureWindow)", 1...86_400)
    static let tlsCertificate = ServeSetting("--tls-cert", "OMS_TLS_CERT", "off")
    static let tlsKey = ServeSetting("--tls-key", "OMS_TLS_KEY", "off")
    static let logLevel = ServeSetting("--log-level", "OMS_LOG_LEVEL", "\(d.logLevel)")
    static let evaluateCompliance = ServeSetting("--evaluate-compliance", "OMS_EVALUATE_COMPLIANCE",
                                                 d.evaluateCompliance ? "on" : "off")
    static let subscriptionBuffer = ServeSetting("--subscription-buffer", "OMS_SUBSCRIPTION_BUFFER",
                                                 "\(d.subscriptionBuffer)", 1...10_000_000)
    static let metricsHost = ServeSetting("--metrics-host", "OMS_METRICS_HOST", "same as --host")
    static let metricsPort = ServeSetting("--metrics-port", "OMS_METRICS_PORT", "off", 0...65_535)
}

extension ServeConfiguration {
    /// The settings as one log line's metadata; the database password is hidden.
    var logMetadata: Logger.Metadata {
        [
            "host": "\(host)", "port": "\(port)",
            "database_url": "\(databaseURL.map(Self.redact) ?? "embedded")", "data_dir": "\(dataDirectory)",
            "pool_size": "\(poolSize)", "max_line_length": "\(maximumLineLength)",
            "max_in_flight": "\(maximumInFlight)", "log_level": "\(logLevel)",
            "max_batch_size": "\(maximumBatchSize)", "max_connections_per_address": "\(maximumConnectionsPerAddress)",
            "max_subscriptions": "\(maximumSubscriptions)", "max_metadata_bytes": "\(maximumMetadataBytes)",
            "auth_failure_limit": "\(authFailureLimit)", "auth_failure_window": "\(authFailureWindow)",
            "tls_cert": "\(tlsCertificate ?? "off")", "tls_key": "\(tlsKey ?? "off")",
            "evaluate_compliance": "\(evaluateCompliance)", "subscription_buffer": "\(subscriptionBuffer)",
            "metrics_host": "\(effectiveMetricsHost)", "metrics_port": "\(metricsPort.map(String.init) ?? "off")",
        ]
    }

    /// A URL with its password replaced by `***`.
    static func redact(_ url: String) -> String {
        url.replacingOccurrences(of: #"(://[^:@/]*):[^@/]*@"#, with: "$1:***@", options: .regularExpression)
    }
}

/// Reads `OMS_*` variables with the checks the flags get from the parser.
struct SettingsEnvironment {
    var values: [String: String] = ProcessInfo.processInfo.environment

    /// The variable's value, nil when unset or empty.
    func string(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `flag` if given, else the setting's variable, else `fallback`; within
    /// the setting's range.
    func int(_ flag: Int?, _ setting: ServeSetting, default fallback: Int) throws -> Int {
        let (flagName, name, range) = (setting.flag, setting.env, setting.range ?? Int.min...Int.max)
        if let flag {
            guard range.contains(flag) else {
                throw ValidationError("\(flagName) must be between \(range.lowerBound) and \(range.upperBound), got \(flag)")
            }
            return flag
        }
        guard let text = string(name) else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            throw ValidationError("\(name) must be an integer between \(range.lowerBound) and \(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// true for 1/true/yes/on, false for 0/false/no/off or unset.
    func bool(_ name: String) throws -> Bool {
        guard let text = string(name)?.lowercased() else { return false }
        if ["1", "true", "yes", "on"].contains(text) { return true }
        if ["0", "false", "no", "off"].contains(text) { return false }
        throw ValidationError("\(name) must be 1/true/yes/on or 0/false/no/off, got '\(text)'")
    }

    /// A log level from the flag or the variable.
    func logLevel(_ flag: String?, default fallback: Logger.Level) throws -> Logger.Level {
        let name = ServeSetting.logLevel.env
        guard let text = flag ?? string(name) else { return fallback }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(flag != nil ? ServeSetting.logLevel.flag : name) must be one of \(levels), got '\(text)'")
        }
        return level
    }
}
