@testable import OMSServerTestSupport
import Foundation
import OMSCore
import OMSProtocol
import OMSServer
import OMSTesting
import Testing

@Suite("Catalogue and docs")
struct CatalogueDocsTests {
    @Test("docs/api.md lists every served method and every error code with its number")
    func docsMatchCatalogue() throws {
        let docs = try String(contentsOfFile: TestPostgres.packageRoot + "/docs/api.md", encoding: .utf8)
        for name in Catalogue.standard.methods.keys {
            #expect(docs.contains("| \(name) |"), "docs/api.md does not document \(name)")
        }
        for (code, number) in ErrorCodeTable.all {
            #expect(docs.contains("| \(code.rawValue) | \(number) |"), "docs/api.md lacks \(code.rawValue) \(number)")
        }
    }

    @Test("every mutating method accepts idempotency_key and every method is in rpc.discover")
    func catalogueShape() {
        for spec in Catalogue.standard.ordered where spec.mutating {
            #expect(spec.params.contains { $0.name == "idempotency_key" }, "\(spec.name)")
        }
        #expect(Catalogue.standard.ordered.count == Catalogue.standard.methods.count, "a method is declared twice")
    }
}
