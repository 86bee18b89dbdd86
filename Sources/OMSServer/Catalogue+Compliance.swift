import OMSCore
import OMSProtocol

extension Catalogue {
    static let complianceMethods: [MethodSpec] = [
        transition(.requestPreTradeCompliance, "Submit a CREATED order for pre-trade compliance."),
        transition(.passPreTradeCompliance, "Record a pre-trade pass."),
        transition(.failPreTradeCompliance, "Record a pre-trade failure with its violations.",
                   params: FailComplianceParams.self),
        transition(.overridePreTradeCompliance, "Override a failed pre-trade check; returns override_id.",
                   params: OverrideComplianceParams.self),
        transition(.requestPostTradeCompliance, "Submit an order in operations for post-trade compliance."),
        transition(.passPostTradeCompliance, "Record a post-trade pass."),
        transition(.failPostTradeCompliance, "Record a post-trade failure with its violations.",
                   params: FailComplianceParams.self),
        transition(.overridePostTradeCompliance, "Override a failed post-trade check; returns override_id.",
                   params: OverrideComplianceParams.self),
    ]
}
