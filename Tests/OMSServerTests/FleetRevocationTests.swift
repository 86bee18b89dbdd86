@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import OMSPostgres
import Testing

@Suite("Revocation across sidecars", .serialized)
struct FleetRevocationTests {
    /// Calls `oms.list_orders` every 25 ms until it answers UNAUTHENTICATED;
    /// when the last call still served was sent (nil if none), from the start.
    /// Send times, so a loaded machine's latency is not counted against the server.
    static func lastServedCall(_ client: OMSClient, limit: Duration = .seconds(3)) async throws -> Duration? {
        let clock = ContinuousClock(), start = clock.now
        var lastServed: Duration?
        while true {
            let sent = clock.now - start
            do {
                _ = try await client.call("oms.list_orders")
            } catch let error as OMSError where error.code == .unauthenticated {
                return lastServed
            }
            lastServed = sent
            if sent > limit { throw RevocationNotSeen(after: sent) }
            try? await Task.sleep(for: .milliseconds(25))
        }
    }

    @Test("a key revoked and a principal disabled through one sidecar end their sessions on another within a second")
    func revocationReachesEverySidecar() async throws {
        try await Fleet.with(sidecars: 2) { fleet in
            let (first, second) = (fleet.sidecars[0], fleet.sidecars[1])
            let adminKey = fleet.keys["admin"]!  // the fleet seeds an Admin principal and key
            let admin = try await OMSClient.connect(
                OMSClientConfiguration(host: "127.0.0.1", port: first.port, apiKey: adminKey))
            let pm = try await fleet.client("pm", on: second), trader = try await fleet.client("trader", on: second)
            let ops = try await fleet.client("ops", on: second)
            for client in [pm, trader, ops] { _ = try await client.call("oms.list_orders") }

            let pmKeyId = String(try #require(fleet.keys["pm"]?.split(separator: ".").dropFirst(2).first))
            _ = try await admin.call("admin.revoke_api_key", ["key_id": .string(pmKeyId)])
            let revokedPM = try await Self.lastServedCall(pm)
            #expect(revokedPM.map { $0 < .seconds(1) } ?? true, "pm served a call sent \(String(describing: revokedPM)) after")

            _ = try await admin.call("admin.disable_principal", ["principal_id": .string("trader")])
            let disabledTrader = try await Self.lastServedCall(trader)
            #expect(disabledTrader.map { $0 < .seconds(1) } ?? true,
                    "trader served a call sent \(String(describing: disabledTrader)) after")
            // Others keep their rights on both sidecars.
            _ = try await ops.call("oms.list_orders")
            _ = try await admin.call("oms.list_orders")
            print("last call served on the other sidecar was sent after revocation: \(revokedPM.map { "\($0)" } ?? "none"), after disable: \(disabledTrader.map { "\($0)" } ?? "none")")
            for client in [admin, pm, trader, ops] { await client.close() }
        }
    }
}
