import Foundation
import OMSCore
import OMSPostgres
import OMSStore
import OMSTesting
import Testing

/// `OMS_DATABASE_URL` is whatever libpq takes: URIs (several hosts too) and
/// key=value conninfo, with the rest from libpq's environment.
@Suite("Connection strings")
struct ConnectionStringTests {
    @Test("a URI with a password: kept for connecting, hidden in descriptions")
    func uri() throws {
        let url = try DatabaseURL("postgres://oms:s3cret@db.example:6543/orders?sslmode=require")
        #expect(url.settings["host"] == "db.example")
        #expect(url.settings["port"] == "6543")
        #expect(url.settings["dbname"] == "orders")
        #expect(url.settings["sslmode"] == "require")
        #expect(url.password == "s3cret")
        #expect(!url.description.contains("s3cret"))
        #expect(url.description.contains("password=***"))
        #expect(try DatabaseURL(url.urlString) == url)
    }

    @Test("key=value conninfo and a service name are accepted; what they leave out stays out for libpq's environment")
    func conninfo() throws {
        let url = try DatabaseURL("host=/run/postgresql dbname=oms user='o m s'")
        #expect(url.settings["host"] == "/run/postgresql")
        #expect(url.username == "o m s")
        #expect(url.settings["port"] == nil)
        #expect(try DatabaseURL("service=oms").settings["service"] == "oms")
        #expect(try DatabaseURL("").settings.settings.isEmpty)
    }

    @Test("a multi-host URI keeps every host and target_session_attrs")
    func multiHost() throws {
        let url = try DatabaseURL("postgresql://app@n1:5432,n2:5433/oms?target_session_attrs=read-write")
        #expect(url.settings["host"] == "n1,n2")
        #expect(url.settings["port"] == "5432,5433")
        #expect(url.settings["target_session_attrs"] == "read-write")
        let pool = try ConnectionString(url.conninfo())
        #expect(pool["host"] == "n1,n2")
        #expect(pool["target_session_attrs"] == "read-write")
    }

    @Test("the pool's settings are added to the user's own options, not in their place")
    func options() throws {
        let url = try DatabaseURL("host=h dbname=d options='-c statement_timeout=5s'")
        let pool = try ConnectionString(url.conninfo())
        #expect(pool["options"] == "-c statement_timeout=5s -c default_transaction_isolation=serializable -c enable_seqscan=off -c role=oms_app")
        #expect(pool["application_name"] == "oms")
        let owner = try ConnectionString(url.conninfo(role: nil))
        #expect(owner["options"]?.contains("role=") == false)
    }

    @Test("service connections fail on a vanished host within TCP timeouts the user may override")
    func tcpDefaults() throws {
        let url = try DatabaseURL("postgres://app@n1,n2/oms?keepalives_idle=3")
        for conninfo in [url.conninfo(), url.conninfo(role: nil), url.listenConninfo] {
            let settings = try ConnectionString(conninfo)
            #expect(settings["keepalives_idle"] == "3")
            #expect(settings["keepalives"] == "1" && settings["keepalives_interval"] == "5")
            #expect(settings["keepalives_count"] == "3" && settings["tcp_user_timeout"] == "30000")
        }
        #expect(url.settings["tcp_user_timeout"] == nil, "the user's own string is unchanged")
    }

    @Test("a malformed string is INVALID_ARGUMENT with libpq's reason and no password")
    func malformed() {
        for text in ["host='unterminated password=pw", "host=h nosuchkeyword=1", "postgres://u:pw@h/db?bogus=1"] {
            #expect {
                try DatabaseURL(text)
            } throws: { error in
                guard let error = error as? OMSError else { return false }
                return error.code == .invalidArgument && !error.message.contains(":pw@") && !error.message.contains("=pw")
            }
        }
    }

    @Test("a live connection through a multi-host URI whose first host is down reaches the second")
    func failsOverToLiveHost() async throws {
        let server = try await TestPostgres.server()
        let dead = try FreeTCPPort.unused()
        let url = try DatabaseURL("postgres://\(server.username)@127.0.0.1:\(dead),\(server.host):\(server.port)/"
            + "\(server.maintenanceDatabase)?target_session_attrs=read-write&connect_timeout=2"
            + (server.password.map { "&password=\($0)" } ?? ""))
        let connection = try await Connection.connect(url.conninfo(role: nil))
        defer { connection.close() }
        let rows = try await connection.rows("SELECT current_setting('transaction_isolation'), inet_server_port()")
        let (isolation, port) = try rows[0].decode((String, Int).self)
        #expect(isolation == "serializable")
        #expect(port == server.port)
    }
}

/// A TCP port nothing listens on (bound, then released).
enum FreeTCPPort {
    static func unused() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
