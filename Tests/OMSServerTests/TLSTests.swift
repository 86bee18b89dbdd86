@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSServer
import OMSTesting
import Testing

/// TLS end to end with certificates made at test time by the openssl CLI:
/// a test CA, a server certificate for 127.0.0.1 and localhost signed by
/// it, and a second CA that signed nothing the server uses.
@Suite("TLS")
struct TLSTests {
    @Test("a client trusting the CA connects and calls; one trusting another CA fails with a TLS error; plain TCP fails cleanly and the server carries on")
    func swiftClients() async throws {
        let files = try TestCertificates.make()
        defer { files.remove() }
        let tls = ServerTLS(certificatePath: files.serverCertificate, privateKeyPath: files.serverKey)
        try await TestServer.with(configuration: .init(tls: tls)) { server in
            let key = server.keys["t1/pm"]!
            var trusting = OMSClientConfiguration(port: server.port, apiKey: key, tls: ClientTLS(caFile: files.ca))
            let client = try await OMSClient.connect(trusting)
            let orders = try await client.call("oms.list_orders")
            #expect(orders["orders"]?.arrayValue != nil)
            await client.close()
            // By name: the certificate names localhost as well as 127.0.0.1.
            trusting.tls?.serverName = "localhost"
            let byName = try await OMSClient.connect(trusting)
            await byName.close()

            // (A wrong server name is not tried here: swift-nio-ssl also accepts a certificate whose IP entry
            // matches the connected address, whatever name was asked for.)
            for (label, tls) in [("another CA", ClientTLS(caFile: files.otherCA)), ("the system's CAs", ClientTLS())] {
                do {
                    let refused = try await OMSClient.connect(OMSClientConfiguration(port: server.port, apiKey: key, tls: tls))
                    await refused.close()
                    Issue.record("a client trusting \(label) connected")
                } catch let error as OMSError {
                    #expect(error.code == .unavailable && error.message.contains("TLS handshake"), "\(label): \(error)")
                }
            }

            // Plain JSON on the TLS port: no answer that looks like one, and the connection ends.
            let plain = try await RawConnection(port: server.port)
            try await plain.send(#"{"jsonrpc":"2.0","id":1,"method":"session.authenticate","params":{"api_key":"\#(key)"}}"#)
            do {
                let answer = try await plain.receive(within: .seconds(10))
                #expect(answer == nil, "plain TCP got an answer: \(String(describing: answer))")
            } catch let timeout as RawConnectionTimeout {
                Issue.record("the server left the plain connection open: \(timeout)")
            } catch {
                // Bytes that are not JSON (a TLS alert) and then the end: a clean failure.
            }
            await plain.close()

            let after = try await OMSClient.connect(OMSClientConfiguration(port: server.port, apiKey: key,
                                                                          tls: ClientTLS(caFile: files.ca)))
            #expect(try await after.call("oms.list_orders")["orders"] != nil, "the server stopped serving TLS clients")
            await after.close()
        }
    }

    @Test("a plain-TCP client is refused by a TLS server, and a TLS client by a plain server, with clear errors")
    func mismatchedClients() async throws {
        let files = try TestCertificates.make()
        defer { files.remove() }
        try await TestServer.with { server in
            do {
                let client = try await OMSClient.connect(OMSClientConfiguration(
                    port: server.port, apiKey: server.keys["t1/pm"]!, tls: ClientTLS(caFile: files.ca)))
                await client.close()
                Issue.record("a TLS client connected to a plain server")
            } catch let error as OMSError {
                #expect(error.code == .unavailable && error.message.contains("TLS handshake"), "\(error)")
            }
        }
    }

    @Test("oms call --tls-ca reaches a TLS server; without the CA it fails with a TLS error")
    func cliClient() async throws {
        let files = try TestCertificates.make()
        defer { files.remove() }
        let tls = ServerTLS(certificatePath: files.serverCertificate, privateKeyPath: files.serverKey)
        try await TestServer.with(configuration: .init(tls: tls)) { server in
            var environment = ProcessInfo.processInfo.environment
            environment["OMS_TLS_CA"] = nil
            let arguments = ["call", "--address", "127.0.0.1:\(server.port)", "--api-key", server.keys["t1/pm"]!]
            // Run without blocking a thread of the cooperative pool: the server under test runs on it.
            let trusted = try await Programs.run(
                omsBinary, arguments + ["--tls-ca", files.ca, "oms.list_orders"], directory: files.directory,
                environment: environment, outputFile: files.directory + "/cli.txt", timeout: 60)
            #expect(trusted.status == 0 && trusted.output.contains(#""orders":[]"#), "\(trusted.output)")
            let untrusted = try await Programs.run(
                omsBinary, arguments + ["--tls-ca", files.otherCA, "oms.list_orders"], directory: files.directory,
                environment: environment, outputFile: files.directory + "/cli-untrusted.txt", timeout: 60)
            #expect(untrusted.status != 0 && untrusted.output.contains("TLS handshake"), "\(untrusted.output)")
        }
    }

    @Test("oms serve --tls-cert/--tls-key serves TLS; a key that does not exist stops it at start naming the file")
    func serveProcess() async throws {
        let files = try TestCertificates.make()
        defer { files.remove() }
        try await TestDatabase.with { db in
            let key = try await db.keys.issue(principalId: "pm", tenantId: TestDatabase.tenant).apiKey
            var environment = ProcessInfo.processInfo.environment
            environment["OMS_DATABASE_URL"] = db.url.urlString
            let missing = try await Programs.run(
                omsBinary, ["serve", "--port", "0", "--tls-cert", files.serverCertificate, "--tls-key", files.directory + "/none.key"],
                directory: files.directory, environment: environment, outputFile: files.directory + "/serve-bad.txt",
                timeout: 60)
            #expect(missing.status != 0 && missing.output.contains("none.key"), "\(missing.output)")

            let log = files.directory + "/serve.txt"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            defer { try? output.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: omsBinary)
            process.arguments = ["serve", "--port", "0", "--log-level", "warning",
                                 "--tls-cert", files.serverCertificate, "--tls-key", files.serverKey]
            process.environment = environment
            process.standardOutput = output
            process.standardError = output
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            var port: Int?
            for _ in 0..<600 where port == nil && process.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let match = text.firstMatch(of: /oms listening on 127\.0\.0\.1:(\d+) with TLS/) { port = Int(match.1) }
            }
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let listening = try #require(port, "oms serve did not announce a TLS port: \(text)")
            let client = try await OMSClient.connect(OMSClientConfiguration(
                port: listening, apiKey: key, tls: ClientTLS(caFile: files.ca)))
            #expect(try await client.call("oms.list_orders")["orders"] != nil)
            await client.close()
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test("the Python client with the CA bundle works over TLS, and refuses a server it does not trust")
    func pythonClient() async throws {
        let python = try #require(Programs.findPython(), "python3 (3.9+) is needed for this test")
        let files = try TestCertificates.make()
        defer { files.remove() }
        let tls = ServerTLS(certificatePath: files.serverCertificate, privateKeyPath: files.serverKey)
        try await TestServer.with(configuration: .init(tls: tls)) { server in
            let script = """
                import sys, oms_client
                port, ca, other, key = sys.argv[1:5]
                client = oms_client.OMSClient(address="127.0.0.1:" + port, api_key=key, ca_file=ca)
                orders = client.oms.list_orders()
                print("TLS-OK", client.session["role"], type(orders).__name__)
                client.close()
                try:
                    oms_client.OMSClient(address="127.0.0.1:" + port, api_key=key, ca_file=other)
                    print("UNTRUSTED-ACCEPTED")
                except oms_client.Unavailable as error:
                    print("UNTRUSTED-REFUSED", error)
                """
            var environment = ProcessInfo.processInfo.environment
            environment["PYTHONPATH"] = Programs.pythonClientDirectory + "/src"
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            environment["OMS_TLS_CA"] = nil
            let (status, output) = try await Programs.run(
                python, ["-c", script, "\(server.port)", files.ca, files.otherCA, server.keys["t1/pm"]!],
                directory: files.directory, environment: environment, outputFile: files.directory + "/python.txt",
                timeout: 60)
            #expect(status == 0, "\(output)")
            #expect(output.contains("TLS-OK PM"), "\(output)")
            #expect(output.contains("UNTRUSTED-REFUSED") && output.contains("certificate"), "\(output)")
        }
    }
}

/// A throwaway CA and server certificate in a temporary folder.
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var otherCA: String { directory + "/other-ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }

    static func make() throws -> TestCertificates {
        let directory = NSTemporaryDirectory() + "oms-tls-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = TestCertificates(directory: directory)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for (name, subject) in [("ca", "OMS Test CA"), ("other-ca", "Somebody Else's CA")] {
            try openssl(["req", "-x509"] + ec + ["-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem",
                         "-days", "2", "-subj", "/CN=\(subject)",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                        in: directory)
        }
        try openssl(["req"] + ec + ["-keyout", files.serverKey, "-out", "\(directory)/server.csr", "-subj", "/CN=localhost"],
                    in: directory)
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: "\(directory)/server.ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "\(directory)/server.csr", "-CA", files.ca, "-CAkey", "\(directory)/ca.key",
                     "-CAcreateserial", "-out", files.serverCertificate, "-days", "2", "-extfile", "\(directory)/server.ext"],
                    in: directory)
        return files
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func openssl(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let log = directory + "/openssl.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? output.close() }
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestCertificateError(description: "openssl \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}

struct TestCertificateError: Error, CustomStringConvertible {
    let description: String
}
