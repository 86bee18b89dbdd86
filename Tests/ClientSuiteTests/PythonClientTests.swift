@testable import OMSServerTestSupport
import Foundation
import OMSStore
import OMSTesting
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the Python client's test-suite (`clients/python/tests`) against a real
/// server on a fresh database seeded with the demo tenant of `oms serve`, so
/// `swift test` checks that the SDK page's Python examples run unchanged.
/// A machine without `python3` (3.9 or later) fails this test; it is never skipped.
@Suite("Python client")
struct PythonClientTests {
    static let subscriptionBuffer = 32

    @Test("the Python client's unittest suite passes against a live server with the demo data")
    func pythonSuite() async throws {
        let python = try #require(Programs.findPython(), """
            python3 not found: the Python client tests need Python 3.9 or later on PATH \
            (apt-get install python3), or OMS_PYTHON set to an interpreter
            """)
        // A small per-subscription buffer, so the suite also sees the server end
        // subscriptions with OVERFLOW and the client resume them.
        try await ClientSuites.withDemoServer(scratchPrefix: "oms-python", subscriptionBuffer: Self.subscriptionBuffer) {
            scratch, environment in
            var environment = environment
            environment["PYTHONPATH"] = Programs.pythonClientDirectory + "/src"
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            environment["PYTHONUNBUFFERED"] = "1"
            let started = Date()
            let (status, output) = try await Programs.run(
                python, ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
                directory: Programs.pythonClientDirectory, environment: environment, outputFile: scratch + "/output.txt",
                timeout: 300)
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            #expect(status == 0, """
                Python client tests failed (exit \(status), \(seconds) s; \(python) -m unittest in clients/python):
                \(output.suffix(20_000))
                """)
            if status == 0 {
                print("Python client tests: \(output.split(separator: "\n").last(where: { $0.hasPrefix("Ran ") }) ?? "") OK")
            }
        }
    }

}
