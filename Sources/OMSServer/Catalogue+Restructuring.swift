import OMSCore
import OMSProtocol

extension Catalogue {
    static let restructuringMethods: [MethodSpec] = []
}
