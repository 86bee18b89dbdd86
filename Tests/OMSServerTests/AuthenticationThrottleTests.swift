@testable import OMSServerTestSupport
import OMSServer
import Testing

@Suite("Authentication throttle")
struct AuthenticationThrottleTests {
    let start = ContinuousClock.now

    @Test("an address is refused once its failures reach the limit, until its window ends; other addresses are unaffected")
    func engagesAndReleases() {
        var throttle = AuthenticationThrottle(limit: .init(failures: 3, window: .seconds(60)))
        #expect(throttle.attempt(from: "10.0.0.1", at: start) == .allow)
        #expect(throttle.failed(from: "10.0.0.1", at: start) == .counted(failures: 1))
        #expect(throttle.failed(from: "10.0.0.1", at: start + .seconds(1)) == .counted(failures: 2))
        #expect(throttle.attempt(from: "10.0.0.1", at: start + .seconds(2)) == .allow)
        #expect(throttle.failed(from: "10.0.0.1", at: start + .seconds(2)) == .engaged(failures: 3))
        #expect(throttle.attempt(from: "10.0.0.1", at: start + .seconds(10)) == .refuse(retryAfter: .seconds(50)))
        #expect(throttle.attempt(from: "10.0.0.2", at: start + .seconds(10)) == .allow)
        // The window is counted from the first failure.
        #expect(throttle.attempt(from: "10.0.0.1", at: start + .seconds(60)) == .allow)
        #expect(throttle.failed(from: "10.0.0.1", at: start + .seconds(61)) == .counted(failures: 1))
    }

    @Test("failures in an expired window start a new count, and expired addresses are swept")
    func windowsExpire() {
        var throttle = AuthenticationThrottle(limit: .init(failures: 2, window: .seconds(1)))
        _ = throttle.failed(from: "a", at: start)
        #expect(throttle.failed(from: "a", at: start + .seconds(2)) == .counted(failures: 1))
        for index in 0...1100 { _ = throttle.failed(from: "scan-\(index)", at: start) }
        #expect(throttle.trackedAddresses > 1024)
        _ = throttle.failed(from: "late", at: start + .seconds(5))
        #expect(throttle.trackedAddresses == 1, "expired windows were kept: \(throttle.trackedAddresses)")
    }
}
