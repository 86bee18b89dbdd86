import OMSCore
import OMSProtocol

extension Catalogue {
    static let violationsParam = ParamSpec(
        "violations", .array(.object), "[{rule_id, rule_name, severity (HARD|SOFT), description}]")
    static let overrideParams = [ParamSpec("reason", .text), ParamSpec("approver_id", .identifier)]

    static let complianceMethods: [MethodSpec] = [
        transition(.requestPreTradeCompliance, "Submit a CREATED order for pre-trade compliance."),
        transition(.passPreTradeCompliance, "Record a pre-trade pass."),
        transition(.failPreTradeCompliance, "Record a pre-trade failure with its violations.", extra: [violationsParam]),
        transition(.overridePreTradeCompliance, "Override a failed pre-trade check; returns override_id.", extra: overrideParams),
        transition(.requestPostTradeCompliance, "Submit an order in operations for post-trade compliance."),
        transition(.passPostTradeCompliance, "Record a post-trade pass."),
        transition(.failPostTradeCompliance, "Record a post-trade failure with its violations.", extra: [violationsParam]),
        transition(.overridePostTradeCompliance, "Override a failed post-trade check; returns override_id.", extra: overrideParams),
    ]
}
