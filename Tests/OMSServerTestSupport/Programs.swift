import Foundation
import OMSTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding and running the programs some tests drive: interpreters and
/// toolchains of the client suites, found the same way everywhere.
enum Programs {
    static let pythonClientDirectory = TestPostgres.packageRoot + "/clients/python"

    /// `$OMS_PYTHON`, else `python3` on PATH, if it is Python 3.9 or later.
    static func findPython() -> String? {
        findProgram("python3", variable: "OMS_PYTHON", check: ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)"])
    }

    /// `$<variable>`, else `program` in each PATH directory, else `extra`
    /// places: the first that exists and passes `check` (run with `arguments`, exit 0).
    static func findProgram(_ program: String, variable: String, extra: [String] = [], check arguments: [String])
        -> String?
    {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let configured = environment[variable], !configured.isEmpty { candidates.append(configured) }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            candidates.append("\(directory)/\(program)")
        }
        candidates += extra
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: candidate)
            check.arguments = arguments
            check.standardOutput = FileHandle.nullDevice
            check.standardError = FileHandle.nullDevice
            guard (try? check.run()) != nil else { continue }
            check.waitUntilExit()
            if check.terminationStatus == 0 { return candidate }
        }
        return nil
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
