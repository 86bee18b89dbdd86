import Foundation

/// A failure to find, initialise, start or stop a private PostgreSQL cluster.
///
/// `message` says what went wrong and how to fix it; `detail` carries the
/// evidence (a command's output, the tail of `server.log`) for logs.
public struct EmbeddedPostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case binariesNotFound = "BINARIES_NOT_FOUND"
            case commandFailed = "COMMAND_FAILED"
            case startFailed = "START_FAILED"
            case stopFailed = "STOP_FAILED"
            case dataDirectoryUnusable = "DATA_DIRECTORY_UNUSABLE"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// `initdb`, `pg_ctl` or `postgres` could not be found.
        public static let binariesNotFound = Code(.binariesNotFound)
        /// A helper command (`initdb`, `useradd`, `chown`, …) exited with an error.
        public static let commandFailed = Code(.commandFailed)
        /// `pg_ctl start` did not bring the server up.
        public static let startFailed = Code(.startFailed)
        /// `pg_ctl stop` did not shut the server down.
        public static let stopFailed = Code(.stopFailed)
        /// The data directory (or its lock file) could not be created or prepared.
        public static let dataDirectoryUnusable = Code(.dataDirectoryUnusable)

        /// The stable wire form of the code, e.g. `BINARIES_NOT_FOUND`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A one-line explanation that says what to do about it.
    public let message: String
    /// Evidence for logs: command output or the tail of the server log.
    public let detail: String?

    /// Creates an error; `detail` is trimmed and dropped when empty.
    public init(code: Code, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        let trimmed = detail?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.detail = trimmed?.isEmpty == false ? trimmed : nil
    }

    /// The message followed by the detail, so a failing test shows both.
    public var description: String {
        guard let detail else { return "\(code): \(message)" }
        return "\(code): \(message)\n\(detail)"
    }
}

extension String {
    /// The last `count` lines, for quoting logs in errors without flooding them.
    func lastLines(_ count: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }
}
