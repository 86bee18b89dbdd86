@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSServer
import OMSTesting
import Testing

/// The lifecycle table (`Lifecycle.rules`) and `OrderCommand` are where a
/// command is declared; everything else that names one is checked against
/// them here, so adding a command needs no edit of this test.
@Suite("Lifecycle facts from the table")
struct LifecycleFactsTests {
    @Test("every order command is a mutating catalogue method with the roles the kernel gives it")
    func catalogue() {
        for command in OrderCommand.allCases {
            let spec = Catalogue.standard.methods[command.method]
            #expect(spec != nil, "the catalogue has no \(command.method)")
            #expect(spec?.mutating == true, "\(command.method)")
            #expect(Set(spec?.roles ?? []) == command.roles, "\(command.method): catalogue roles differ from the kernel's")
        }
        for command in OrderCommand.transitions {
            #expect(!Lifecycle.rules(for: command).isEmpty, "\(command.rawValue) is a transition without a row")
        }
    }

    @Test("every command is in both clients' method lists, and `oms order step` offers every transition")
    func clientsAndCLI() throws {
        let root = TestPostgres.packageRoot
        let python = try String(contentsOfFile: root + "/clients/python/src/oms_client/methods.py", encoding: .utf8)
        let go = try String(contentsOfFile: root + "/clients/go/methods.go", encoding: .utf8)
        for command in OrderCommand.allCases {
            #expect(python.contains("\"\(command.method)\":"), "clients/python lacks \(command.method)")
            #expect(go.contains("\"\(command.method)\":"), "clients/go lacks \(command.method)")
        }
        let help = try runOMS(["order", "step", "--help"])
        #expect(help.status == 0, "\(help.err)")
        // ArgumentParser wraps the discussion at spaces, never inside a name.
        let listed = Set(help.out.split(whereSeparator: { " ,.\n".contains($0) }).map(String.init))
        for command in OrderCommand.transitions {
            #expect(listed.contains(command.rawValue), "`oms order step --help` does not list \(command.rawValue)")
        }
    }

    @Test("a command is a transition exactly when the table has rows for it; no terminal state is working or open")
    func stateSets() {
        for command in OrderCommand.allCases {
            #expect(command.isTransition == !Lifecycle.rules(for: command).isEmpty, "\(command.rawValue)")
        }
        // No terminal state is working or open for allocations.
        for state in OrderState.allCases where state.isTerminal {
            #expect(!state.isWorking && !state.acceptsAllocations, "\(state.rawValue)")
        }
    }
}
