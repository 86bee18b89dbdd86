@testable import OMSServerTestSupport
import Foundation
import OMSClient
import OMSCore
import OMSProtocol

/// How a call ended, as its client saw it.
enum Outcome: Sendable, CustomStringConvertible {
    case ok(JSON)
    /// A domain or protocol error: the error's code name.
    case refused(String, String)
    /// UNAVAILABLE: the connection was lost or the server could not reach the database.
    case unavailable(String)
    case timedOut

    var result: JSON? { if case .ok(let json) = self { json } else { nil } }
    var code: String { switch self { case .ok: "OK"; case .refused(let code, _): code; case .unavailable: "UNAVAILABLE"; case .timedOut: "TIMEOUT" } }
    var description: String {
        switch self {
        case .ok: "OK"
        case .refused(let code, let message): "\(code): \(message)"
        case .unavailable(let message): "UNAVAILABLE: \(message)"
        case .timedOut: "TIMEOUT"
        }
    }
}

/// One call with a deadline, its ending classified.
func attempt(_ client: OMSClient, _ method: String, _ params: [String: JSON], timeout: Double = 30) async -> Outcome {
    await withTaskGroup(of: Outcome.self) { group in
        group.addTask {
            do {
                return .ok(try await client.call(method, params))
            } catch let error as OMSError {
                return error.code == .unavailable ? .unavailable(error.message) : .refused(error.code.rawValue, error.message)
            } catch let error as RPCError {
                return .refused("RPC \(error.code)", error.message)
            } catch {
                return .unavailable("\(error)")
            }
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(timeout))
            return .timedOut
        }
        let first = await group.next() ?? .timedOut
        group.cancelAll()
        return first
    }
}

/// A client that survives its sidecar: on UNAVAILABLE it reconnects (to
/// another running sidecar when its own is gone) and sends the same call
/// again, idempotency key included, until it gets a definite answer.
actor Caller {
    let principal: String
    let fleet: Fleet
    private(set) var sidecar: Sidecar
    private var client: OMSClient?
    /// Calls sent again after an UNAVAILABLE, and reconnections made.
    private(set) var retries = 0
    private(set) var reconnects = 0
    /// Every attempt's ending, by code.
    private(set) var codes: [String: Int] = [:]

    init(_ principal: String, fleet: Fleet, sidecar: Sidecar) {
        self.principal = principal
        self.fleet = fleet
        self.sidecar = sidecar
    }

    /// The final outcome and how many attempts it took. Gives up (returning
    /// the last UNAVAILABLE or TIMEOUT) after `patience` seconds.
    func call(_ method: String, _ params: [String: JSON], patience: Double = 40) async -> (outcome: Outcome, attempts: Int) {
        let deadline = Date().addingTimeInterval(patience)
        var attempts = 0
        while true {
            attempts += 1
            let outcome: Outcome
            if let client = try? await connected() {
                outcome = await attempt(client, method, params)
            } else {
                outcome = .unavailable("no sidecar accepted a connection")
            }
            codes[outcome.code, default: 0] += 1
            switch outcome {
            case .ok, .refused: return (outcome, attempts)
            case .unavailable, .timedOut:
                guard Date() < deadline else { return (outcome, attempts) }
                retries += 1
                await drop()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func connected() async throws -> OMSClient {
        if let client { return client }
        if !sidecar.isRunning, let other = fleet.sidecars.first(where: { $0.isRunning }) { sidecar = other }
        let client = try await fleet.client(principal, on: sidecar)
        self.client = client
        return client
    }

    /// Closes the connection; the next call connects again.
    func drop() async {
        if let client { await client.close() }
        if client != nil { reconnects += 1 }
        client = nil
    }
}
