/// The 18 states of the order lifecycle (DESIGN.md section 2).
///
/// Raw values are the wire and database spelling; the database backs them
/// with a CHECK constraint, so renaming one needs a migration.
public enum OrderState: String, Sendable, CaseIterable, Codable {
    case created = "CREATED"
    case pendingPreTradeCompliance = "PENDING_PRE_TRADE_COMPLIANCE"
    case preTradeCompliancePassed = "PRE_TRADE_COMPLIANCE_PASSED"
    case preTradeComplianceFailed = "PRE_TRADE_COMPLIANCE_FAILED"
    case sentToTrader = "SENT_TO_TRADER"
    case routed = "ROUTED"
    case partiallyFilled = "PARTIALLY_FILLED"
    case filled = "FILLED"
    case closed = "CLOSED"
    case sentToOperations = "SENT_TO_OPERATIONS"
    case pendingPostTradeCompliance = "PENDING_POST_TRADE_COMPLIANCE"
    case postTradeCompliancePassed = "POST_TRADE_COMPLIANCE_PASSED"
    case postTradeComplianceFailed = "POST_TRADE_COMPLIANCE_FAILED"
    case confirmed = "CONFIRMED"
    case settled = "SETTLED"
    case reconciled = "RECONCILED"
    case canceled = "CANCELED"
    case rejected = "REJECTED"

    /// Terminal states absorb every later command.
    public var isTerminal: Bool { self == .reconciled || self == .canceled || self == .rejected }

    /// Who holds the order in this state.
    public var owner: OrderOwner {
        switch self {
        case .created, .preTradeCompliancePassed, .preTradeComplianceFailed: .pm
        case .pendingPreTradeCompliance, .pendingPostTradeCompliance: .system
        case .sentToTrader, .routed, .partiallyFilled, .filled, .closed: .trader
        case .sentToOperations, .postTradeCompliancePassed, .postTradeComplianceFailed,
             .confirmed, .settled: .ops
        case .reconciled, .canceled, .rejected: .none
        }
    }

    /// States in which economic fields are locked (pre-trade compliance passed, or later).
    public var locksEconomicFields: Bool {
        switch self {
        case .created, .pendingPreTradeCompliance, .preTradeComplianceFailed: false
        default: true
        }
    }
}
