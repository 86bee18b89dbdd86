import OMSCore
import OMSProtocol

extension Catalogue {
    static let allocationMethods: [MethodSpec] = []
}
