import EmbeddedPostgres
import Foundation
import OMSPostgres
import OMSTesting
import Testing

@Suite("Embedded PostgreSQL")
struct EmbeddedPostgresTests {
    @Test("The server binaries are found on this machine")
    func locatesBinaries() throws {
        let binaries = try PostgresBinaries.locate()
        for program in PostgresBinaries.requiredPrograms {
            #expect(FileManager.default.isExecutableFile(atPath: binaries.path(of: program)))
        }
    }

    @Test("Missing binaries fail with a message that names them and the fix")
    func missingBinariesAreNamed() {
        let error = #expect(throws: EmbeddedPostgresError.self) {
            try PostgresBinaries.locate(searchPaths: [])
        }
        #expect(error?.code == .binariesNotFound)
        for text in ["initdb", "pg_ctl", "postgres", "apt-get install postgresql", "OMS_TEST_DATABASE_URL"] {
            #expect(error?.message.contains(text) == true, "message lacks \(text): \(error?.message ?? "")")
        }
    }

    @Test("A directory with only some of the programs is passed over")
    func incompleteDirectoryIsSkipped() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let initdb = directory + "/initdb"
        let created = FileManager.default.createFile(
            atPath: initdb, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]
        )
        #expect(created)

        let error = #expect(throws: EmbeddedPostgresError.self) {
            try PostgresBinaries.locate(searchPaths: [directory])
        }
        #expect(error?.code == .binariesNotFound)
        #expect(error?.detail?.contains(directory) == true)
    }

    @Test("A fresh cluster initialises, serves queries, is reused, stops and survives a stale pid file")
    func clusterLifecycle() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        EmbeddedPostgres.stopOnExit()
        let cluster = EmbeddedPostgres(dataDirectory: root + "/data", durable: false)
        do {
            try await checkLifecycle(of: cluster)
        } catch {
            try? cluster.stop()
            throw error
        }
    }

    @Test("The shared test server hands out fresh, empty databases")
    func sharedServerCreatesDatabases() async throws {
        let first = try await TestPostgres.createDatabase(prefix: "Embedded-Test")
        let second = try await TestPostgres.createDatabase(prefix: "Embedded-Test")
        #expect(first != second)
        #expect(first.hasPrefix("embedded_test_"))

        let server = try await TestPostgres.server()
        let connection = try await server.connect(database: first)
        defer { connection.close() }
        let rows = try await connection.query("SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public'")
        let tables = try rows.first?[0].int()
        #expect(tables == 0)
    }

    private func checkLifecycle(of cluster: EmbeddedPostgres) async throws {
        let endpoint = try await offThePool { try cluster.start() }
        #expect(!endpoint.alreadyRunning)
        #expect(endpoint.url == "postgres://oms@127.0.0.1:\(endpoint.port)/postgres")
        #expect(FileManager.default.fileExists(atPath: cluster.dataDirectory + "/PG_VERSION"))
        #expect(try await selectOne(at: endpoint) == 1)

        let reused = try await offThePool { try cluster.start() }
        #expect(reused.alreadyRunning)
        #expect(reused.port == endpoint.port)

        // Keep the live server's pid file to plant it again once that pid is dead,
        // which is what a crash leaves behind.
        let pidFile = cluster.dataDirectory + "/postmaster.pid"
        let pidFileContents = try Data(contentsOf: URL(fileURLWithPath: pidFile))
        try await offThePool { try cluster.stop() }
        #expect(cluster.runningEndpoint() == nil)
        await #expect(throws: (any Error).self) { try await selectOne(at: endpoint) }

        try pidFileContents.write(to: URL(fileURLWithPath: pidFile))
        let restarted = try await offThePool { try cluster.start() }
        #expect(!restarted.alreadyRunning)
        #expect(try await selectOne(at: restarted) == 1)
        try await offThePool { try cluster.stop() }
        #expect(cluster.runningEndpoint() == nil)
    }

    private func selectOne(at endpoint: EmbeddedPostgres.Endpoint) async throws -> Int? {
        let connection = try await Connection.connect(
            "host=\(endpoint.host) port=\(endpoint.port) user=\(endpoint.username) dbname=\(endpoint.database) sslmode=disable"
        )
        defer { connection.close() }
        return try await connection.query("SELECT 1").first?[0].int()
    }

    /// A directory the `postgres` user can enter when the tests run as root.
    private func makeTemporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("oms-embedded-pg-\(UUID().uuidString.prefix(8).lowercased())").path
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755]
        )
        return path
    }

    /// Runs blocking work (initdb, pg_ctl) on its own thread, not on the few
    /// threads that run every test.
    private func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
