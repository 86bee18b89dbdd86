import ArgumentParser
import Foundation
import OMSClient
import OMSCore
import OMSProtocol

/// How CLI client commands reach a server and whom they act as.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server host:port (env OMS_ADDRESS; default \(ProtocolDefaults.address)).")
    var address: String?

    @Option(name: .customLong("api-key"), help: "API key (env OMS_API_KEY).")
    var apiKey: String?

    @Option(name: .customLong("tls-ca"),
            help: "Connect with TLS, trusting the certificate authorities in this PEM file (env OMS_TLS_CA).")
    var tlsCA: String?

    @Option(name: .customLong("tls-server-name"),
            help: "The name the server's TLS certificate must carry (default: the host of --address).")
    var tlsServerName: String?

    @Option(name: .customLong("as"), help: "Use the demo key of this role from <data-dir>/demo-keys.json (PM, Trader, Ops, Compliance, System, Admin).")
    var role: String?

    @Option(name: .customLong("data-dir"), help: "Where `oms serve` keeps demo-keys.json.")
    var dataDirectory: String = ProcessInfo.processInfo.environment["OMS_DATA_DIR"] ?? ".oms"

    @Flag(help: "Print the raw JSON result.")
    var json = false

    func resolvedKey() throws -> String? {
        if let role {
            let file = dataDirectory + "/demo-keys.json"
            guard let data = FileManager.default.contents(atPath: file),
                  let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { throw ValidationError("cannot read \(file); start `oms serve` without OMS_DATABASE_URL first") }
            let match = object.first { $0.key.lowercased() == role.lowercased() }
            guard let entry = match?.value as? [String: Any], let key = entry["api_key"] as? String else {
                throw ValidationError("no demo key for role \(role) in \(file)")
            }
            return key
        }
        return apiKey ?? ProcessInfo.processInfo.environment["OMS_API_KEY"]
    }

    /// Connects, authenticates, runs `body`, closes.
    func withClient<T>(_ body: (OMSClient) async throws -> T) async throws -> T {
        let configuration = OMSClientConfiguration.fromEnvironment(address: address, apiKey: try resolvedKey(),
                                                                   tlsCAFile: tlsCA, tlsServerName: tlsServerName)
        let client = try await OMSClient.connect(configuration)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    /// Calls one method and prints its result (raw JSON with --json, else `render`).
    func call(_ method: String, _ params: [String: JSON], render: (JSON) -> String) async throws {
        let result = try await withClient { try await $0.call(method, params) }
        print(json ? result.serializedString : render(result))
    }
}

/// Turns `key=value` arguments into params: values that parse as JSON (numbers,
/// true/false/null, objects, arrays, quoted strings) are used as such, anything else is a string.
func parseParams(_ pairs: [String]) throws -> [String: JSON] {
    var params: [String: JSON] = [:]
    for pair in pairs {
        guard let eq = pair.firstIndex(of: "=") else { throw ValidationError("expected key=value, got \(pair)") }
        let key = String(pair[..<eq]), raw = String(pair[pair.index(after: eq)...])
        params[key] = (try? JSONParser.parse(raw)) ?? .string(raw)
    }
    return params
}
