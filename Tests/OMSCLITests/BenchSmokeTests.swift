@testable import OMSServerTestSupport
import Foundation
import OMSTesting
import Testing

/// A few seconds of each benchmark workload against a real server, so the
/// harness cannot rot. Not a performance test: it checks that the workloads
/// run, complete commands and print their report (numbers go to the log).
@Suite("Benchmark smoke run")
struct BenchSmokeTests {
    @Test("oms bench runs fills, lifecycle, events and list, with the pgbench baselines")
    func smoke() async throws {
        let binary = TestPostgres.packageRoot + "/.build/debug/oms"
        try #require(FileManager.default.isExecutableFile(atPath: binary), "\(binary) missing: run `swift build` first")
        try await TestServer.with { server in
            let key = try #require(server.keys["\(TestDatabase.tenant)/admin"])
            let database = ["--database-url", server.db.url.urlString]
            try await withSecondSidecar(server) { second in
                for (workload, extra) in [("fills", ["--orders", "4"] + database), ("lifecycle", database),
                                          ("events", ["--orders", "4", "--second-address", "127.0.0.1:\(second)"]),
                                          ("list", ["--orders", "3000"] + database)] {
                    let output = try await Self.run(binary, ["bench", "--workload", workload, "--clients", "2",
                                                             "--duration", "3", "--address", "127.0.0.1:\(server.port)",
                                                             "--admin-key", key] + extra)
                    print(output)
                    #expect(output.contains("workload \(workload): 2 clients"), "\(output)")
                    let commands = output.split(separator: "\n").first { $0.contains(" commands, ") }
                        .flatMap { Int($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber }) } ?? 0
                    #expect(commands > 0, "no command completed:\n\(output)")
                    switch workload {
                    case "fills": #expect(output.contains("oms / kernel-sql-limit = "), "\(output)")
                    case "lifecycle":
                        #expect(output.contains("reconcile_order"), "\(output)")
                        #expect(output.contains("oms / kernel-sql-limit = "), "\(output)")
                    case "events":
                        #expect(output.contains("event delivery, sidecar B"), "\(output)")
                        #expect(!output.contains("not delivered"), "\(output)")
                    default:
                        #expect(output.contains("list: loaded 3000 of 3000 orders") || output.contains("already loaded"),
                                "\(output)")
                        #expect(output.contains("list:portfolio+state"), "\(output)")
                    }
                }
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
