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
    static let clientDirectory = TestPostgres.packageRoot + "/clients/python"
    static let subscriptionBuffer = 32

    @Test("the Python client's unittest suite passes against a live server with the demo data")
    func pythonSuite() async throws {
        let python = try #require(Self.findPython(), """
            python3 not found: the Python client tests need Python 3.9 or later on PATH \
            (apt-get install python3), or OMS_PYTHON set to an interpreter
            """)
        // A small per-subscription buffer, so the suite also sees the server end
        // subscriptions with OVERFLOW and the client resume them.
        try await ClientSuites.withDemoServer(scratchPrefix: "oms-python", subscriptionBuffer: Self.subscriptionBuffer) {
            scratch, environment in
            var environment = environment
            environment["PYTHONPATH"] = Self.clientDirectory + "/src"
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            environment["PYTHONUNBUFFERED"] = "1"
            let started = Date()
            let (status, output) = try await Self.run(
                python, ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."],
                directory: Self.clientDirectory, environment: environment, outputFile: scratch + "/output.txt",
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

    /// `$OMS_PYTHON`, else `python3` on PATH, if it is Python 3.9 or later.
    static func findPython() -> String? {
        ClientSuites.findProgram("python3", variable: "OMS_PYTHON", check: ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)"])
    }

    /// Runs a process to its end without blocking a thread of the cooperative
    /// pool (the server under test runs on it); stdout and stderr go to a file.
    static func run(
        _ executable: String, _ arguments: [String], directory: String, environment: [String: String],
        outputFile: String, timeout: TimeInterval
    ) async throws -> (status: Int32, output: String) {
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        // A hung suite must not hang `swift test`.
        let watchdog = Task {
            try await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return (status, text)
    }
}
