import Logging
import OMSStore
import ServiceLifecycle

/// Runs a sidecar's event listener (LISTEN + fan-out) as a lifecycle service.
public struct EventHubService: Service {
    public let hub: EventHub

    public init(hub: EventHub) {
        self.hub = hub
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await hub.run() }
    }
}

/// Runs the built-in compliance evaluator as a lifecycle service.
public struct EvaluatorService: Service {
    public let evaluator: ComplianceEvaluator

    public init(evaluator: ComplianceEvaluator) {
        self.evaluator = evaluator
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await evaluator.run() }
    }
}
