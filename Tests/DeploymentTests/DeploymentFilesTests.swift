@testable import OMSServerTestSupport
import Foundation
import OMSTesting
import Testing

/// docker/ cannot be run here (no container engine), so its files are held
/// to the binary: every variable they set is one `oms serve` reads and
/// accepts, every command and flag exists, every published port is one the
/// server listens on.
@Suite("Deployment files")
struct DeploymentFilesTests {
    static let root = TestPostgres.packageRoot

    /// The `OMS_*` variables named in a subcommand's `--help`.
    static func variables(inHelpOf subcommand: String) throws -> Set<String> {
        let help = try runOMS([subcommand, "--help"]).out
        // The help wraps lines, so the name may follow "env" on the next line.
        let pattern = try Regex(#"env\s+(OMS_[A-Z_]+)"#)
        return Set(help.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) })
    }

    @Test("oms serve --help names a variable and a default for every setting, and the README's table lists them all")
    func helpAndReadmeAgree() throws {
        let help = try runOMS(["serve", "--help"]).out
        let variables = try Self.variables(inHelpOf: "serve")
        for name in ["OMS_HOST", "OMS_PORT", "OMS_DATABASE_URL", "OMS_DATA_DIR", "OMS_POOL_SIZE", "OMS_MAX_LINE_LENGTH",
                     "OMS_MAX_IN_FLIGHT", "OMS_LOG_LEVEL", "OMS_EVALUATE_COMPLIANCE", "OMS_SUBSCRIPTION_BUFFER",
                     "OMS_METRICS_HOST", "OMS_METRICS_PORT", "OMS_MAX_BATCH_SIZE", "OMS_MAX_CONNECTIONS_PER_ADDRESS",
                     "OMS_MAX_SUBSCRIPTIONS", "OMS_MAX_METADATA_BYTES", "OMS_AUTH_FAILURE_LIMIT", "OMS_AUTH_FAILURE_WINDOW",
                     "OMS_TLS_CERT", "OMS_TLS_KEY"] {
            #expect(variables.contains(name), "\(name) missing from oms serve --help")
        }
        #expect(help.contains("default: 9191") && help.contains("default: 20") && help.contains("default: off"))
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        for name in variables {
            #expect(readme.contains("`\(name)"), "README's configuration table lacks \(name)")
        }
    }

    @Test("every service of docker/compose.yaml that runs oms uses a real subcommand, real flags, variables the server reads and accepts, and publishes the ports it listens on")
    func composeMatchesTheBinary() throws {
        let compose = try ComposeFile(path: Self.root + "/docker/compose.yaml")
        let omsServices = compose.services.filter { $0.value.image?.hasPrefix("oms") == true }
        #expect(Set(omsServices.keys) == ["migrate", "oms-1", "oms-2"])
        #expect(compose.services["postgres"]?.image?.hasPrefix("postgres:") == true)
        let serveVariables = try Self.variables(inHelpOf: "serve")
        for (name, service) in omsServices {
            let subcommand = try #require(service.command.first, "\(name) has no command")
            #expect(["serve", "migrate"].contains(subcommand), "\(name): unexpected command \(subcommand)")
            let help = try runOMS([subcommand, "--help"]).out
            for flag in service.command.dropFirst() where flag.hasPrefix("--") {
                #expect(help.contains(flag), "\(name): \(subcommand) has no flag \(flag)")
            }
            let subcommandVariables = subcommand == "serve" ? serveVariables : try Self.variables(inHelpOf: subcommand)
            for variable in service.environment.keys {
                #expect(subcommandVariables.contains(variable), "\(name) sets \(variable), which oms \(subcommand) does not read")
            }
            #expect(service.environment["OMS_DATABASE_URL"]?.hasPrefix("postgres://") == true)
            guard subcommand == "serve" else { continue }
            // The server accepts every value and resolves them as the file says.
            let printed = try runOMS(["serve", "--print-config"], environment: service.environment.mapValues { Optional($0) })
            #expect(printed.status == 0, "\(name): \(printed.err)")
            #expect(printed.out.contains("port=\(service.environment["OMS_PORT"] ?? "")\n"))
            #expect(printed.out.contains("metrics_port=\(service.environment["OMS_METRICS_PORT"] ?? "")\n"))
            #expect(!printed.out.contains("oms-dev-only"), "the database password must not be printed")
            let containerPorts = Set(service.ports.compactMap { $0.split(separator: ":").last.map(String.init) })
            #expect(containerPorts == [service.environment["OMS_PORT"], service.environment["OMS_METRICS_PORT"]],
                    "\(name) publishes \(containerPorts)")
            #expect(service.healthcheck.contains("/dev/tcp/127.0.0.1/\(service.environment["OMS_METRICS_PORT"] ?? "")"))
            #expect(service.healthcheck.contains("GET /readyz"))
            #expect(service.dependsOn == ["migrate"])
        }
        #expect(omsServices["migrate"]?.dependsOn == ["postgres"])
        let hostPorts = omsServices.values.flatMap { $0.ports.map { String($0.split(separator: ":").first ?? "") } }
        #expect(Set(hostPorts).count == hostPorts.count, "two sidecars publish the same host port")
    }

    @Test("docker/Dockerfile builds with a Swift new enough for the manifest, sets only variables the server reads, and exposes and probes the ports it sets")
    func dockerfileMatchesTheBinary() throws {
        let text = try String(contentsOfFile: Self.root + "/docker/Dockerfile", encoding: .utf8)
        let lines = text.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").map(String.init)
        let variables = try Self.variables(inHelpOf: "serve")
        var environment: [String: String] = [:]
        for line in lines where line.hasPrefix("ENV ") {
            for pair in line.dropFirst(4).split(separator: " ") where pair.contains("=") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                environment[parts[0]] = parts[1]
            }
        }
        for name in environment.keys { #expect(variables.contains(name), "Dockerfile sets \(name), which oms serve does not read") }
        let exposed = Set(lines.filter { $0.hasPrefix("EXPOSE ") }.flatMap { $0.dropFirst(7).split(separator: " ").map(String.init) })
        #expect(exposed == Set([environment["OMS_PORT"], environment["OMS_METRICS_PORT"]].compactMap { $0 }))
        let printed = try runOMS(["serve", "--print-config"], environment: environment.mapValues { Optional($0) })
        #expect(printed.status == 0, "\(printed.err)")
        #expect(lines.contains { $0.hasPrefix("HEALTHCHECK") && $0.contains("OMS_METRICS_PORT") && $0.contains("GET /readyz") })
        #expect(lines.contains("ENTRYPOINT [\"/usr/local/bin/oms\"]"))
        #expect(lines.contains("CMD [\"serve\"]"))
        #expect(lines.contains { $0.hasPrefix("COPY --from=build /staging/oms /usr/local/bin/oms") })

        // The build image must be at least the newest tools version among the manifests.
        let from = try #require(lines.first { $0.hasPrefix("FROM swift:") })
        let version = from.dropFirst("FROM swift:".count).prefix { $0 != "-" && $0 != " " }
        let manifest = try String(contentsOfFile: Self.root + "/Package.swift", encoding: .utf8)
        #expect(manifest.hasPrefix("// swift-tools-version:6.1"))
        #expect(version.compare("6.2", options: .numeric) != .orderedAscending,
                "swift-prometheus 2.4.1 needs tools 6.2; the image has \(version)")
    }

    @Test("a malformed OMS_* value stops oms serve with a message naming the variable")
    func badEnvironmentIsAnError() throws {
        let port = try runOMS(["serve", "--print-config"], environment: ["OMS_PORT": "nine"])
        #expect(port.status != 0)
        #expect(port.err.contains("OMS_PORT must be an integer between 0 and 65535, got 'nine'"), "\(port.err)")
        let flag = try runOMS(["serve", "--print-config"], environment: ["OMS_EVALUATE_COMPLIANCE": "maybe"])
        #expect(flag.status != 0 && flag.err.contains("OMS_EVALUATE_COMPLIANCE"), "\(flag.err)")
        let level = try runOMS(["serve", "--print-config", "--log-level", "loud"])
        #expect(level.status != 0 && level.err.contains("--log-level must be one of"), "\(level.err)")
        let pool = try runOMS(["serve", "--print-config", "--pool-size", "0"])
        #expect(pool.status != 0 && pool.err.contains("--pool-size must be between 1"), "\(pool.err)")
        let good = try runOMS(["serve", "--print-config", "--pool-size", "7"],
                              environment: ["OMS_POOL_SIZE": "9", "OMS_LOG_LEVEL": "debug",
                                            "OMS_DATABASE_URL": "postgres://u:hunter2@db:5432/oms"])
        #expect(good.status == 0, "\(good.err)")
        #expect(good.out.contains("pool_size=7\n"), "a flag wins over its variable")
        #expect(good.out.contains("log_level=debug\n"))
        #expect(good.out.contains("database_url=postgres://u:***@db:5432/oms\n") && !good.out.contains("hunter2"))
        let halfTLS = try runOMS(["serve", "--print-config", "--tls-cert", "/tmp/server.pem"])
        #expect(halfTLS.status != 0 && halfTLS.err.contains("--tls-cert (OMS_TLS_CERT) and --tls-key (OMS_TLS_KEY) go together"),
                "\(halfTLS.err)")
        let limits = try runOMS(["serve", "--print-config", "--max-batch-size", "5"],
                                environment: ["OMS_AUTH_FAILURE_LIMIT": "3", "OMS_TLS_CERT": "/c.pem", "OMS_TLS_KEY": "/k.pem"])
        #expect(limits.status == 0, "\(limits.err)")
        for line in ["max_batch_size=5", "auth_failure_limit=3", "max_connections_per_address=256", "max_subscriptions=100",
                     "max_metadata_bytes=16384", "auth_failure_window=60", "tls_cert=/c.pem", "tls_key=/k.pem"] {
            #expect(limits.out.contains(line + "\n"), "--print-config lacks \(line)")
        }
    }
}

/// Just enough of docker/compose.yaml's layout (two-space indents, block
/// maps, `command` as a flow list, one `<<: *anchor` merge for the database
/// URL) to check it against the binary.
struct ComposeFile {
    struct Service {
        var image: String?
        var command: [String] = []
        var environment: [String: String] = [:]
        var ports: [String] = []
        var dependsOn: [String] = []
        var healthcheck = ""
    }

    var services: [String: Service] = [:]

    init(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        var anchors: [String: [String: String]] = [:]
        var healthchecks: [String: String] = [:]
        var section = "", service = "", key = "", anchor = ""
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        func unquote(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.count >= 2 && trimmed.hasPrefix("\"") && trimmed.hasSuffix("\"")
                ? String(trimmed.dropFirst().dropLast()) : trimmed
        }
        func expand(_ value: String) -> String {  // ${NAME:-default} → default
            value.replacing(try! Regex(#"\$\{[A-Z_]+:-([^}]*)\}"#)) { String($0.output[1].substring ?? "") }
        }
        for line in lines where !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") && !line.isEmpty {
            let text = line.trimmingCharacters(in: .whitespaces)
            let (name, rest) = text.firstIndex(of: ":").map {
                (String(text[..<$0]), text[text.index(after: $0)...].trimmingCharacters(in: .whitespaces))
            } ?? (text, "")
            switch indent(line) {
            case 0:
                section = name
                anchor = rest.hasPrefix("&") ? String(rest.dropFirst()) : ""
            case 2 where section == "services":
                service = name
                services[service] = Service()
            case 2 where !anchor.isEmpty:
                anchors[anchor, default: [:]][name] = expand(unquote(rest))
            case 4 where section == "services":
                key = name
                switch name {
                case "image": services[service]?.image = rest
                case "command":
                    services[service]?.command = rest.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                        .split(separator: ",").map { unquote(String($0)) }
                case "healthcheck" where rest.hasPrefix("*"):
                    services[service]?.healthcheck = healthchecks[String(rest.dropFirst())] ?? ""
                case "healthcheck" where rest.hasPrefix("&"):
                    anchor = String(rest.dropFirst())
                default: break
                }
            case 6 where section == "services":
                switch key {
                case "environment" where name == "<<":
                    for (variable, value) in anchors[String(rest.dropFirst())] ?? [:] {
                        services[service]?.environment[variable] = value
                    }
                case "environment": services[service]?.environment[name] = expand(unquote(rest))
                case "ports": services[service]?.ports.append(unquote(String(text.dropFirst(2))))
                case "depends_on": services[service]?.dependsOn.append(name)
                case "healthcheck" where name == "test":
                    services[service]?.healthcheck = rest
                    if !anchor.isEmpty { healthchecks[anchor] = rest }
                default: break
                }
            default: break
            }
        }
    }
}
