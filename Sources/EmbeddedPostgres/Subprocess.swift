import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion and captures what it printed.
///
/// Not Foundation's `Process`: on Linux it learns that a child exited when a
/// socket it hands the child reaches end of file, and `pg_ctl start` passes
/// that socket on to the server it leaves running, so `waitUntilExit()` would
/// wait for the server to stop. Here the child gets only stdin (`/dev/null`)
/// and a file for stdout and stderr, and we `waitpid` for the child itself.
enum Subprocess {
    /// Exit status and combined stdout and stderr of a finished program.
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    /// Runs `executable` with `arguments` and waits for it to exit.
    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("oms-embedded-pg-\(UUID().uuidString).out").path
        let outputFD = open(outputPath, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard outputFD >= 0 else {
            throw failure("cannot create \(outputPath) to capture the output of \(executable)")
        }
        defer {
            close(outputFD)
            unlink(outputPath)
        }
        let pid = try spawn(executable, arguments, outputFD: outputFD)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw failure("waitpid for \(executable) failed (errno \(errno))") }
        }
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Result(status: exitStatus(status), output: String(decoding: data, as: UTF8.self))
    }

    /// Runs a program and throws ``EmbeddedPostgresError/Code/commandFailed``,
    /// quoting its output, unless it exits with status 0.
    @discardableResult
    static func runChecked(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try run(executable, arguments)
        guard result.status == 0 else {
            throw EmbeddedPostgresError(
                code: .commandFailed,
                message: "\(commandLine(executable, arguments)) exited with status \(result.status)",
                detail: result.output.lastLines(30)
            )
        }
        return result.output
    }

    /// Finds a program on the PATH or in the system directories (`runuser`
    /// and `useradd` live in `/usr/sbin`, which a non-login PATH may lack).
    static func find(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories
            .map { ($0 as NSString).appendingPathComponent(program) }
            .first(where: FileManager.default.isExecutableFile(atPath:))
    }

    /// A readable rendering of a command for error messages.
    static func commandLine(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map(shellQuoted).joined(separator: " ")
    }

    private static func spawn(_ executable: String, _ arguments: [String], outputFD: Int32) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
        posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        #if canImport(Darwin)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_CLOEXEC_DEFAULT))
        #else
        // Closing a descriptor that is not open is not an error for glibc's
        // posix_spawn, so a list that went stale meanwhile is harmless.
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #endif

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
        guard result == 0 else {
            throw failure("cannot run \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The descriptors open in this process, from `/proc/self/fd`, or every
    /// possible one up to a sane limit where `/proc` is missing.
    private static func openDescriptors() -> [Int32] {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            return names.compactMap { Int32($0) }
        }
        let limit = sysconf(Int32(_SC_OPEN_MAX))
        return Array(0..<Int32(clamping: limit > 0 ? min(limit, 65_536) : 1_024))
    }

    /// The exit status, or 128 + the signal number like a shell reports it.
    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func failure(_ message: String) -> EmbeddedPostgresError {
        EmbeddedPostgresError(code: .commandFailed, message: message)
    }
}

/// Quotes `value` for a POSIX shell; `pg_ctl -o` pastes its options into one.
func shellQuoted(_ value: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,")
    if !value.isEmpty, value.unicodeScalars.allSatisfy(safe.contains) {
        return value
    }
    return "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
