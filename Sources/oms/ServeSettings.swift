import ArgumentParser
import Foundation
import Logging

/// The effective settings of `oms serve`: each from its flag, else its
/// `OMS_*` environment variable, else its default. A malformed environment
/// value is an error naming the variable, never silently the default.
struct ServeSettings: Sendable {
    var host: String
    var port: Int
    /// nil: the embedded PostgreSQL under `dataDirectory`.
    var databaseURL: String?
    var dataDirectory: String
    var maximumLineLength: Int
    var maximumInFlight: Int
    var maximumBatchSize: Int
    var maximumConnectionsPerAddress: Int
    var maximumSubscriptions: Int
    var maximumMetadataBytes: Int
    var authFailureLimit: Int
    /// Seconds.
    var authFailureWindow: Int
    /// Both set: serve TLS; both nil: plain TCP.
    var tlsCertificate: String?
    var tlsKey: String?
    var poolSize: Int
    var logLevel: Logger.Level
    var evaluateCompliance: Bool
    var subscriptionBuffer: Int
    var metricsHost: String
    /// nil: no operations endpoint.
    var metricsPort: Int?

    /// Every setting: flag, environment variable, default, as `--help` and
    /// the docs show them. A test checks docker/ against this list.
    static let table: [(flag: String, env: String, defaultValue: String)] = [
        ("--host", "OMS_HOST", "127.0.0.1"),
        ("--port", "OMS_PORT", "9191"),
        ("--database-url", "OMS_DATABASE_URL", "embedded PostgreSQL under --data-dir"),
        ("--data-dir", "OMS_DATA_DIR", ".oms"),
        ("--pool-size", "OMS_POOL_SIZE", "20"),
        ("--max-line-length", "OMS_MAX_LINE_LENGTH", "1048576"),
        ("--max-in-flight", "OMS_MAX_IN_FLIGHT", "64"),
        ("--max-batch-size", "OMS_MAX_BATCH_SIZE", "1000"),
        ("--max-connections-per-address", "OMS_MAX_CONNECTIONS_PER_ADDRESS", "256"),
        ("--max-subscriptions", "OMS_MAX_SUBSCRIPTIONS", "100"),
        ("--max-metadata-bytes", "OMS_MAX_METADATA_BYTES", "16384"),
        ("--auth-failure-limit", "OMS_AUTH_FAILURE_LIMIT", "10"),
        ("--auth-failure-window", "OMS_AUTH_FAILURE_WINDOW", "60"),
        ("--tls-cert", "OMS_TLS_CERT", "off"),
        ("--tls-key", "OMS_TLS_KEY", "off"),
        ("--log-level", "OMS_LOG_LEVEL", "info"),
        ("--evaluate-compliance", "OMS_EVALUATE_COMPLIANCE", "off"),
        ("--subscription-buffer", "OMS_SUBSCRIPTION_BUFFER", "10000"),
        ("--metrics-host", "OMS_METRICS_HOST", "same as --host"),
        ("--metrics-port", "OMS_METRICS_PORT", "off"),
    ]

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
            "metrics_host": "\(metricsHost)", "metrics_port": "\(metricsPort.map(String.init) ?? "off")",
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

    /// `flag` if given, else the variable, else `fallback`; within `range`.
    func int(_ flag: Int?, _ flagName: String, _ name: String, default fallback: Int,
             in range: ClosedRange<Int>) throws -> Int {
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
    func logLevel(_ flag: String?, _ name: String, default fallback: Logger.Level) throws -> Logger.Level {
        guard let text = flag ?? string(name) else { return fallback }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(flag != nil ? "--log-level" : name) must be one of \(levels), got '\(text)'")
        }
        return level
    }
}
