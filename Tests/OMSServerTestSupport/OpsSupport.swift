import Foundation
import NIOCore
import NIOPosix
import OMSTesting

/// One HTTP/1.0 GET over a fresh connection: the status code and the body.
func httpGet(port: Int, _ path: String) async throws -> (status: Int, body: String) {
    let channel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    let response = try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"))
        var text = ""
        for try await buffer in inbound { text += String(buffer: buffer) }  // HTTP/1.0: the server closes
        return text
    }
    guard let statusLine = response.split(separator: "\r\n", maxSplits: 1).first,
          let status = Int(statusLine.split(separator: " ").dropFirst().first ?? ""),
          let bodyStart = response.range(of: "\r\n\r\n")
    else {
        throw HTTPTestError(description: "not an HTTP response: \(response.prefix(200))")
    }
    return (status, String(response[bodyStart.upperBound...]))
}

struct HTTPTestError: Error, CustomStringConvertible {
    let description: String
}

/// Samples of a Prometheus text exposition, by series (`name{labels}` as written).
struct Scrape {
    let samples: [String: Double]

    init(_ text: String) {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        self.samples = samples
    }

    /// The value of the one series named `name` whose labels include every
    /// `label="value"` given; 0 when there is none (a counter never touched).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        let matching = samples.filter { series, _ in
            guard series == name || series.hasPrefix(name + "{") else { return false }
            return labels.allSatisfy { series.contains("\($0.key)=\"\($0.value)\"") }
        }
        return matching.values.reduce(0, +)
    }
}

/// The `oms` executable built with the tests: beside the test bundle, so a
/// build in any scratch path tests its own binary; else `.build/debug/oms`.
let omsBinary: String = {
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var candidates = [executable.deletingLastPathComponent().appendingPathComponent("oms").path]
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("oms").path)
    }
    candidates.append(TestPostgres.packageRoot + "/.build/debug/oms")
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
}()

/// Runs `oms` to completion with `environment` added to this process's
/// (a nil value removes a variable): exit status, standard output, standard error.
func runOMS(_ arguments: [String], environment: [String: String?] = [:]) throws -> (status: Int32, out: String, err: String) {
    try runProgram(omsBinary, arguments, environment: environment)
}

/// Runs the program at `path` to completion with `environment` added to this
/// process's (a nil value removes a variable): exit status, standard output, standard error.
func runProgram(_ path: String, _ arguments: [String], environment: [String: String?] = [:])
    throws -> (status: Int32, out: String, err: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment
    for (name, value) in environment { merged[name] = value }
    process.environment = merged
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs blocking cluster work (initdb, pg_ctl) off the test's thread pool.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Polls /readyz until its status is `status`; returns the last answer.
func awaitReadiness(_ status: Int, port: Int, within seconds: Double) async throws -> (status: Int, body: String) {
    let deadline = Date().addingTimeInterval(seconds)
    var answer = try await httpGet(port: port, "/readyz")
    while answer.status != status, Date() < deadline {
        try await Task.sleep(for: .milliseconds(100))
        answer = try await httpGet(port: port, "/readyz")
    }
    return answer
}
