import ArgumentParser
import Foundation
import Logging
import OMSServer

extension ServeConfiguration {
    /// Every setting: flag, environment variable, default, as `--help` and
    /// the docs show them. A test checks docker/ and the README against it.
    static let table: [(flag: String, env: String, defaultValue: String)] = {
        let d = ServeConfiguration.defaults
        return [
            ("--host", "OMS_HOST", d.host),
            ("--port", "OMS_PORT", "\(d.port)"),
            ("--database-url", "OMS_DATABASE_URL", "embedded PostgreSQL under --data-dir"),
            ("--data-dir", "OMS_DATA_DIR", d.dataDirectory),
            ("--pool-size", "OMS_POOL_SIZE", "\(d.poolSize)"),
            ("--max-line-length", "OMS_MAX_LINE_LENGTH", "\(d.maximumLineLength)"),
            ("--max-in-flight", "OMS_MAX_IN_FLIGHT", "\(d.maximumInFlight)"),
            ("--max-batch-size", "OMS_MAX_BATCH_SIZE", "\(d.maximumBatchSize)"),
            ("--max-connections-per-address", "OMS_MAX_CONNECTIONS_PER_ADDRESS", "\(d.maximumConnectionsPerAddress)"),
            ("--max-subscriptions", "OMS_MAX_SUBSCRIPTIONS", "\(d.maximumSubscriptions)"),
            ("--max-metadata-bytes", "OMS_MAX_METADATA_BYTES", "\(d.maximumMetadataBytes)"),
            ("--auth-failure-limit", "OMS_AUTH_FAILURE_LIMIT", "\(d.authFailureLimit)"),
            ("--auth-failure-window", "OMS_AUTH_FAILURE_WINDOW", "\(d.authFailureWindow)"),
            ("--tls-cert", "OMS_TLS_CERT", "off"),
            ("--tls-key", "OMS_TLS_KEY", "off"),
            ("--log-level", "OMS_LOG_LEVEL", "\(d.logLevel)"),
            ("--evaluate-compliance", "OMS_EVALUATE_COMPLIANCE", d.evaluateCompliance ? "on" : "off"),
            ("--subscription-buffer", "OMS_SUBSCRIPTION_BUFFER", "\(d.subscriptionBuffer)"),
            ("--metrics-host", "OMS_METRICS_HOST", "same as --host"),
            ("--metrics-port", "OMS_METRICS_PORT", "off"),
        ]
    }()

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
