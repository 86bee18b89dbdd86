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
    public var isTerminal: Bool {
        switch self {
        case .reconciled, .canceled, .rejected: true
        case .created, .pendingPreTradeCompliance, .preTradeCompliancePassed, .preTradeComplianceFailed,
             .sentToTrader, .routed, .partiallyFilled, .filled, .closed, .sentToOperations,
             .pendingPostTradeCompliance, .postTradeCompliancePassed, .postTradeComplianceFailed, .confirmed,
             .settled:
            false
        }
    }

    /// Working: passed pre-trade compliance and not yet done trading, so its
    /// unfilled quantity counts in projected positions (compliance rules).
    public var isWorking: Bool {
        switch self {
        case .preTradeCompliancePassed, .sentToTrader, .routed, .partiallyFilled: true
        case .created, .pendingPreTradeCompliance, .preTradeComplianceFailed, .filled, .closed, .sentToOperations,
             .pendingPostTradeCompliance, .postTradeCompliancePassed, .postTradeComplianceFailed, .confirmed,
             .settled, .reconciled, .canceled, .rejected:
            false
        }
    }

    /// Open for allocations: something may have been executed (fills happen
    /// only from ROUTED on) and the order is not yet CONFIRMED.
    public var acceptsAllocations: Bool {
        switch self {
        case .partiallyFilled, .filled, .closed, .sentToOperations, .pendingPostTradeCompliance,
             .postTradeCompliancePassed, .postTradeComplianceFailed:
            true
        case .created, .pendingPreTradeCompliance, .preTradeCompliancePassed, .preTradeComplianceFailed,
             .sentToTrader, .routed, .confirmed, .settled, .reconciled, .canceled, .rejected:
            false
        }
    }

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
        case .preTradeCompliancePassed, .sentToTrader, .routed, .partiallyFilled, .filled, .closed,
             .sentToOperations, .pendingPostTradeCompliance, .postTradeCompliancePassed,
             .postTradeComplianceFailed, .confirmed, .settled, .reconciled, .canceled, .rejected:
            true
        }
    }
}
