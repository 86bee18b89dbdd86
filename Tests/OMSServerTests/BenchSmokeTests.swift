import Foundation
import OMSTesting
import Testing

/// A few seconds of each benchmark workload against a real server, so the
/// harness cannot rot. Not a performance test: it checks that the workloads
/// run, complete commands and print their report (numbers go to the log).
@Suite("Benchmark smoke run")
struct BenchSmokeTests {
    @Test("oms bench runs the fills workload with its pgbench baseline and the lifecycle workload")
    func smoke() async throws {
        let binary = TestPostgres.packageRoot + "/.build/debug/oms"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) missing: run `swift build` first")
        try await TestServer.with { server in
            let key = try #require(server.keys["\(TestDatabase.tenant)/admin"])
            for (workload, extra) in [("fills", ["--orders", "4", "--database-url", server.db.url.urlString]),
                                      ("lifecycle", [])] {
                let output = try await Self.run(binary, ["bench", "--workload", workload, "--clients", "2",
                                                         "--duration", "1", "--address", "127.0.0.1:\(server.port)",
                                                         "--admin-key", key] + extra)
                print(output)
                #expect(output.contains("workload \(workload): 2 clients"), "\(output)")
                let commands = output.split(separator: "\n").first { $0.contains(" commands, ") }
                    .flatMap { Int($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }) } ?? 0
                #expect(commands > 0, "no command completed:\n\(output)")
                if workload == "fills" { #expect(output.contains("ratio oms / naive-sql"), "\(output)") }
                if workload == "lifecycle" { #expect(output.contains("reconcile_order"), "\(output)") }
            }
        }
    }

    static func run(_ binary: String, _ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let watchdog = Task {
            try await Task.sleep(nanoseconds: 120_000_000_000)
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "oms \(arguments.first ?? "") exited \(process.terminationStatus):\n\(text)")
        return text
    }
}
