import Foundation

/// The directory holding the PostgreSQL server programs a cluster needs.
public struct PostgresBinaries: Sendable, Hashable {
    /// The programs that must all live in one directory.
    public static let requiredPrograms = ["initdb", "pg_ctl", "postgres"]

    /// The directory, with symlinks resolved, e.g. `/usr/lib/postgresql/15/bin`.
    public let directory: String

    /// Wraps a directory that is known to hold the required programs.
    public init(directory: String) {
        self.directory = directory
    }

    /// Full path of `initdb`.
    public var initdb: String { path(of: "initdb") }
    /// Full path of `pg_ctl`.
    public var pgCtl: String { path(of: "pg_ctl") }
    /// Full path of `postgres`.
    public var postgres: String { path(of: "postgres") }

    /// Full path of any program in ``directory``.
    public func path(of program: String) -> String {
        (directory as NSString).appendingPathComponent(program)
    }

    /// Finds the server programs: `OMS_PG_BINDIR`, then `PATH`, then
    /// `pg_config --bindir`, then `/usr/lib/postgresql/*/bin`, newest first.
    ///
    /// - Throws: ``EmbeddedPostgresError/Code/binariesNotFound`` with a message
    ///   that says how to install PostgreSQL or point at an existing server.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PostgresBinaries {
        try locate(
            searchPaths: defaultSearchPaths(environment: environment),
            described: "OMS_PG_BINDIR, PATH, pg_config --bindir or /usr/lib/postgresql/*/bin"
        )
    }

    /// Finds the server programs in the first of `searchPaths` that holds all
    /// of them. A directory whose `initdb` is a symlink (a PATH entry such as
    /// `/usr/local/bin`) resolves to the directory the link points into.
    public static func locate(searchPaths: [String]) throws -> PostgresBinaries {
        let described = searchPaths.isEmpty ? "an empty search list" : searchPaths.joined(separator: ", ")
        return try locate(searchPaths: searchPaths, described: described)
    }

    /// The directories ``locate(environment:)`` searches, in order.
    public static func defaultSearchPaths(environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let explicit = environment["OMS_PG_BINDIR"], !explicit.isEmpty {
            paths.append(explicit)
        }
        let pathEntries = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        paths.append(contentsOf: pathEntries.filter { !$0.isEmpty })
        if let bindir = pgConfigBindir(pathEntries: pathEntries) {
            paths.append(bindir)
        }
        paths.append(contentsOf: debianVersionedBindirs())
        return paths
    }

    private static func locate(searchPaths: [String], described: String) throws -> PostgresBinaries {
        for candidate in searchPaths {
            if let found = binaries(in: candidate) {
                return found
            }
        }
        throw EmbeddedPostgresError(
            code: .binariesNotFound,
            message: "PostgreSQL server binaries (\(requiredPrograms.joined(separator: ", "))) not found in "
                + "\(described); install PostgreSQL 14+ server (apt-get install postgresql) "
                + "or set OMS_DATABASE_URL / OMS_TEST_DATABASE_URL",
            detail: searchPaths.isEmpty ? nil : "searched: \(searchPaths.joined(separator: ", "))"
        )
    }

    /// The real directory behind `directory/initdb` if it holds every program,
    /// else `directory` itself if it does, else nil.
    private static func binaries(in directory: String) -> PostgresBinaries? {
        let initdb = (directory as NSString).appendingPathComponent("initdb")
        guard FileManager.default.isExecutableFile(atPath: initdb) else { return nil }
        let resolved = (URL(fileURLWithPath: initdb).resolvingSymlinksInPath().path as NSString)
            .deletingLastPathComponent
        for candidate in [resolved, directory] where holdsAllPrograms(candidate) {
            return PostgresBinaries(directory: candidate)
        }
        return nil
    }

    private static func holdsAllPrograms(_ directory: String) -> Bool {
        requiredPrograms.allSatisfy {
            FileManager.default.isExecutableFile(atPath: (directory as NSString).appendingPathComponent($0))
        }
    }

    /// `pg_config --bindir`, if `pg_config` is on the PATH and answers.
    private static func pgConfigBindir(pathEntries: [String]) -> String? {
        let executables = pathEntries.map { ($0 as NSString).appendingPathComponent("pg_config") }
        guard let pgConfig = executables.first(where: FileManager.default.isExecutableFile(atPath:)),
              let result = try? Subprocess.run(pgConfig, ["--bindir"]),
              result.status == 0
        else { return nil }
        let bindir = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return bindir.isEmpty ? nil : bindir
    }

    /// `/usr/lib/postgresql/NN/bin`, highest version first (Debian's layout).
    private static func debianVersionedBindirs() -> [String] {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return versions
            .sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { "\(root)/\($0)/bin" }
    }
}
