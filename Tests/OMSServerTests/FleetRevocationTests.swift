import Foundation
import OMSClient
import OMSCore
import OMSProtocol
import OMSStore
import PostgresNIO
import Testing

@Suite("Revocation across sidecars", .serialized)
struct FleetRevocationTests {
    /// Calls `oms.list_orders` every 25 ms until it answers UNAUTHENTICATED; how long that took, or nil.
    static func untilRefused(_ client: OMSClient, limit: Duration = .seconds(3)) async -> Duration? {
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < limit {
            do {
                _ = try await client.call("oms.list_orders")
            } catch let error as OMSError where error.code == .unauthenticated {
                return clock.now - start
            } catch {
                Issue.record("unexpected \(error)")
                return nil
            }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return nil
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
            let revokedPM = await Self.untilRefused(pm)
            #expect(revokedPM != nil && revokedPM! <= .seconds(1), "pm refused after \(String(describing: revokedPM))")

            _ = try await admin.call("admin.disable_principal", ["principal_id": .string("trader")])
            let disabledTrader = await Self.untilRefused(trader)
            #expect(disabledTrader != nil && disabledTrader! <= .seconds(1),
                    "trader refused after \(String(describing: disabledTrader))")
            // Others keep their rights on both sidecars.
            _ = try await ops.call("oms.list_orders")
            _ = try await admin.call("oms.list_orders")
            print("revocation seen on the other sidecar after \(revokedPM.map { "\($0)" } ?? "-"), disable after \(disabledTrader.map { "\($0)" } ?? "-")")
            for client in [admin, pm, trader, ops] { await client.close() }
        }
    }
}
