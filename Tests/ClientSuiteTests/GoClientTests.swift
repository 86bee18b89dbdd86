@testable import OMSServerTestSupport
import Foundation
import OMSStore
import OMSTesting
import Testing

/// Runs the Go client's test-suite (`go test ./...` in `clients/go`) and its
/// SDK page program (`go run ./examples/sdkpage`) against a real server on a
/// fresh database seeded with the demo tenant of `oms serve`, so `swift test`
/// checks that the SDK page's Go examples compile and run as written.
/// A machine without `go` (Debian's golang-go, with
/// golang-github-shopspring-decimal-dev) fails this test; it is never skipped.
@Suite("Go client")
struct GoClientTests {
    static let clientDirectory = TestPostgres.packageRoot + "/clients/go"
    static let subscriptionBuffer = 32

    @Test("the Go client's tests and the SDK page program pass against a live server with the demo data")
    func goSuite() async throws {
        let go = try #require(Self.findGo(), """
            go not found: the Go client tests need Go 1.19 or later on PATH and the decimal package \
            (apt-get install golang-go golang-github-shopspring-decimal-dev; .ci/run installs both), \
            or OMS_GO set to the go command
            """)
        // A small per-subscription buffer, so the suite also sees the server end
        // subscriptions with OVERFLOW and the client resume them.
        try await ClientSuites.withDemoServer(scratchPrefix: "oms-go", subscriptionBuffer: Self.subscriptionBuffer) {
            scratch, environment in
            var environment = environment
            environment["OMS_TLS_CA"] = nil
            // Offline: the decimal package comes from Debian's package (go.mod's replace).
            environment["GOFLAGS"] = "-mod=mod"
            environment["GOPROXY"] = "off"
            if environment["GOCACHE"] == nil && environment["HOME"] == nil {
                environment["GOCACHE"] = NSTemporaryDirectory() + "oms-go-build-cache"
            }

            for (label, arguments) in [("go test", ["test", "-count=1", "./..."]),
                                       ("go run ./examples/sdkpage", ["run", "./examples/sdkpage"])] {
                let started = Date()
                let (status, output) = try await Programs.run(
                    go, arguments, directory: Self.clientDirectory, environment: environment,
                    outputFile: scratch + "/output.txt", timeout: 300)
                let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
                #expect(status == 0, """
                    Go client: \(label) failed (exit \(status), \(seconds) s, in clients/go):
                    \(output.suffix(20_000))
                    """)
                if status == 0 {
                    let last = output.split(separator: "\n").last.map(String.init) ?? ""
                    print("Go client: \(label) OK in \(seconds) s: \(last)")
                }
            }
        }
    }

    /// `$OMS_GO`, else `go` on PATH or where Debian's golang-go puts it, if it runs.
    static func findGo() -> String? {
        Programs.findProgram("go", variable: "OMS_GO", extra: ["/usr/lib/go/bin/go"], check: ["version"])
    }
}
