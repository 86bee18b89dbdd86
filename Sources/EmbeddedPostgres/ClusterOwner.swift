import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The operating-system user that owns a cluster's files and runs its server.
///
/// `initdb`, `pg_ctl` and `postgres` refuse to run as root, so a root process
/// runs them as the unprivileged `postgres` system user through `runuser`;
/// anyone else runs them as themselves.
struct ClusterOwner: Sendable {
    /// The system user used when we are root.
    static let systemUserName = "postgres"

    /// A system account by name and ids.
    struct SystemUser: Sendable {
        var name: String
        var uid: uid_t
        var gid: gid_t
    }

    /// The user to switch to; nil when we run as ourselves.
    let systemUser: SystemUser?

    /// The owner for this process, creating the `postgres` user if we are root
    /// and it does not exist yet.
    static func forCurrentProcess() throws -> ClusterOwner {
        guard geteuid() == 0 else { return ClusterOwner(systemUser: nil) }
        if let user = lookUpUser(systemUserName) {
            return ClusterOwner(systemUser: user)
        }
        guard let useradd = Subprocess.find("useradd") else {
            throw EmbeddedPostgresError(
                code: .commandFailed,
                message: "running as root needs the '\(systemUserName)' system user, and useradd is missing; "
                    + "create the user or run as a non-root user"
            )
        }
        try Subprocess.runChecked(useradd, ["--system", "--no-create-home", systemUserName])
        guard let user = lookUpUser(systemUserName) else {
            throw EmbeddedPostgresError(code: .commandFailed, message: "useradd did not create '\(systemUserName)'")
        }
        return ClusterOwner(systemUser: user)
    }

    /// Runs a PostgreSQL program as the owner and returns its result.
    func run(_ executable: String, _ arguments: [String]) throws -> Subprocess.Result {
        let (program, fullArguments) = try command(executable, arguments)
        return try Subprocess.run(program, fullArguments)
    }

    /// Runs a PostgreSQL program as the owner; throws unless it succeeds.
    @discardableResult
    func runChecked(_ executable: String, _ arguments: [String]) throws -> String {
        let (program, fullArguments) = try command(executable, arguments)
        return try Subprocess.runChecked(program, fullArguments)
    }

    /// Creates `directory` (mode 0700) if needed and makes it the owner's,
    /// with every parent directory traversable by the owner.
    func prepare(directory: String) throws {
        let fileManager = FileManager.default
        do {
            if !fileManager.fileExists(atPath: directory) {
                try fileManager.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
                )
            }
        } catch {
            throw EmbeddedPostgresError(
                code: .dataDirectoryUnusable,
                message: "cannot create data directory \(directory)",
                detail: String(describing: error)
            )
        }
        guard let systemUser else { return }
        try makeParentsTraversable(of: directory)
        var info = stat()
        if stat(directory, &info) == 0, info.st_uid == systemUser.uid { return }
        guard let chown = Subprocess.find("chown") else {
            throw EmbeddedPostgresError(code: .commandFailed, message: "chown not found; cannot hand \(directory) to \(systemUser.name)")
        }
        try Subprocess.runChecked(chown, ["-R", "\(systemUser.uid):\(systemUser.gid)", directory])
    }

    private func command(_ executable: String, _ arguments: [String]) throws -> (String, [String]) {
        guard let systemUser else { return (executable, arguments) }
        guard let runuser = Subprocess.find("runuser") else {
            throw EmbeddedPostgresError(
                code: .commandFailed,
                message: "running as root needs runuser (util-linux) to start PostgreSQL as '\(systemUser.name)'"
            )
        }
        // Start from `/`: our working directory may be closed to that user,
        // and PostgreSQL's programs warn about it in every output we quote.
        let trampoline = ["/bin/sh", "-c", "cd / && exec \"$0\" \"$@\""]
        return (runuser, ["-u", systemUser.name, "--"] + trampoline + [executable] + arguments)
    }

    /// Adds search (o+x) permission to parents the owner could not enter,
    /// e.g. `/root` when the package lives under it.
    private func makeParentsTraversable(of directory: String) throws {
        var parent = (directory as NSString).deletingLastPathComponent
        while !parent.isEmpty, parent != "/" {
            var info = stat()
            if stat(parent, &info) == 0, info.st_uid != systemUser?.uid, info.st_mode & S_IXOTH == 0 {
                guard chmod(parent, info.st_mode & 0o7777 | S_IXOTH) == 0 else {
                    throw EmbeddedPostgresError(
                        code: .dataDirectoryUnusable,
                        message: "cannot make \(parent) traversable for '\(systemUser?.name ?? "")' (errno \(errno))"
                    )
                }
            }
            parent = (parent as NSString).deletingLastPathComponent
        }
    }

    /// `getpwnam_r`, because `getpwnam` shares one static buffer across threads.
    private static func lookUpUser(_ name: String) -> SystemUser? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return SystemUser(name: name, uid: entry.pw_uid, gid: entry.pw_gid)
    }
}
