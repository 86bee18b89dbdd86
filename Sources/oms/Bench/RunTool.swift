import ArgumentParser
import Foundation

/// Runs a PostgreSQL client program (psql, pgbench) to completion and returns
/// its output (stdout and stderr); a non-zero exit is an error quoting it.
func runTool(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ValidationError("\(URL(fileURLWithPath: program).lastPathComponent) failed:\n\(text)")
    }
    return text
}
