import OMSCore
import OMSProtocol

extension Catalogue {
    static let violationsParam = ParamSpec(
        "violations", .array(.object), "[{rule_id, rule_name, severity (HARD|SOFT), description}]")
    static let overrideParams = [ParamSpec("reason", .text), ParamSpec("approver_id", .identifier)]

    static let complianceMethods: [MethodSpec] = [
        transition("oms.request_pre_trade_compliance", .requestPreTradeCompliance,
                   "Submit a CREATED order for pre-trade compliance.", roles: [.pm]),
        transition("oms.pass_pre_trade_compliance", .passPreTradeCompliance,
                   "Record a pre-trade pass.", roles: [.compliance]),
        transition("oms.fail_pre_trade_compliance", .failPreTradeCompliance,
                   "Record a pre-trade failure with its violations.", extra: [violationsParam], roles: [.compliance]),
        transition("oms.override_pre_trade_compliance", .overridePreTradeCompliance,
                   "Override a failed pre-trade check; returns override_id.", extra: overrideParams, roles: [.compliance]),
        transition("oms.request_post_trade_compliance", .requestPostTradeCompliance,
                   "Submit an order in operations for post-trade compliance.", roles: [.ops]),
        transition("oms.pass_post_trade_compliance", .passPostTradeCompliance,
                   "Record a post-trade pass.", roles: [.compliance]),
        transition("oms.fail_post_trade_compliance", .failPostTradeCompliance,
                   "Record a post-trade failure with its violations.", extra: [violationsParam], roles: [.compliance]),
        transition("oms.override_post_trade_compliance", .overridePostTradeCompliance,
                   "Override a failed post-trade check; returns override_id.", extra: overrideParams, roles: [.compliance]),
    ]
}
