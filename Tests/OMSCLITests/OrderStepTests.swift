@testable import OMSServerTestSupport
import OMSCore
import Testing

/// `oms order step` runs any transition of the lifecycle table by its name.
@Suite("oms order step")
struct OrderStepTests {
    @Test("a name outside the lifecycle table is refused before connecting, pointing at the list")
    func unknownCommand() throws {
        let run = try runOMS(["order", "step", "hold_order", "ORD-1", "--address", "127.0.0.1:1"])
        #expect(run.status != 0)
        #expect(run.err.contains("hold_order is not a lifecycle command"), "\(run.err)")
        // create_order is a command, but not a transition: it has its own subcommand.
        let create = try runOMS(["order", "step", OrderCommand.createOrder.rawValue, "ORD-1", "--address", "127.0.0.1:1"])
        #expect(create.err.contains("is not a lifecycle command"), "\(create.err)")
    }
}
