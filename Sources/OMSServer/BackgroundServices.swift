import Logging
import OMSStore
import ServiceLifecycle

/// Runs a sidecar's event listener (LISTEN + fan-out) as a lifecycle service.
public struct EventHubService: Service {
    /// The hub to run.
    public let hub: EventHub

    /// A service that runs `hub` until graceful shutdown.
    public init(hub: EventHub) {
        self.hub = hub
    }

    /// Runs the hub's LISTEN-and-fan-out loop, reconnecting on failure, until graceful shutdown cancels it.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await hub.run() }
    }
}

/// Runs the built-in compliance evaluator as a lifecycle service.
public struct EvaluatorService: Service {
    /// The evaluator to run.
    public let evaluator: ComplianceEvaluator

    /// A service that runs `evaluator` until graceful shutdown.
    public init(evaluator: ComplianceEvaluator) {
        self.evaluator = evaluator
    }

    /// Runs the evaluator's loop; returns once graceful shutdown cancels it.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await evaluator.run() }
    }
}
