/// Counts failed `session.authenticate` calls per client address in a fixed
/// window and refuses further attempts from an address that reached the
/// limit until its window ends, without looking at the key: guessing keys
/// costs an attacker a window per `limit` guesses, and the server no hash
/// lookups. A success does not reset the count, so one valid key does not
/// buy unlimited guesses at others.
///
/// A pure state machine: the dispatcher holds it behind a lock and feeds it
/// events with the time; it decides.
public struct AuthenticationThrottle: Sendable {
    /// How many failures an address may have in one window, and the window's length.
    public struct Limit: Sendable, Equatable {
        /// Failures allowed per window; the attempt after the last of them is refused.
        public var failures: Int
        /// How long an address's count lasts, from its first failure.
        public var window: Duration

        /// `oms serve`'s defaults (`ServeConfiguration`).
        public init(failures: Int = ServeConfiguration.defaults.authFailureLimit,
                    window: Duration = .seconds(ServeConfiguration.defaults.authFailureWindow)) {
            self.failures = failures
            self.window = window
        }
    }

    /// Whether an attempt may go ahead.
    public enum Decision: Equatable, Sendable {
        case allow
        /// Refused without checking the key; the window ends after `retryAfter`.
        case refuse(retryAfter: Duration)
    }

    /// What a failure did to its address's count.
    public enum FailureOutcome: Equatable, Sendable {
        /// Counted; `failures` so far in this window, still under the limit.
        case counted(failures: Int)
        /// This failure reached the limit: further attempts are refused until the window ends. Log it.
        case engaged(failures: Int)
    }

    private struct Window {
        var start: ContinuousClock.Instant
        var failures: Int
    }

    /// The limit this throttle enforces.
    public let limit: Limit
    private var windows: [String: Window] = [:]
    /// Above this many addresses, expired windows are swept on the next failure,
    /// so a scan from many addresses cannot grow the table without bound.
    private let sweepThreshold = 1024

    /// A throttle with no failures counted yet.
    public init(limit: Limit) {
        self.limit = limit
    }

    /// Addresses with a live window (for tests and metrics).
    public var trackedAddresses: Int { windows.count }

    /// An attempt from `address` at `now`.
    public mutating func attempt(from address: String, at now: ContinuousClock.Instant) -> Decision {
        guard let window = windows[address] else { return .allow }
        let end = window.start + limit.window
        if now >= end {
            windows[address] = nil
            return .allow
        }
        return window.failures >= limit.failures ? .refuse(retryAfter: end - now) : .allow
    }

    /// A failed attempt from `address` at `now`.
    public mutating func failed(from address: String, at now: ContinuousClock.Instant) -> FailureOutcome {
        if windows.count > sweepThreshold { windows = windows.filter { now < $0.value.start + limit.window } }
        var window = windows[address].flatMap { now < $0.start + limit.window ? $0 : nil } ?? Window(start: now, failures: 0)
        window.failures += 1
        windows[address] = window
        return window.failures == limit.failures ? .engaged(failures: window.failures) : .counted(failures: window.failures)
    }
}
