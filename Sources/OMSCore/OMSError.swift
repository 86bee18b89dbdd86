/// A refusal from the order kernel or the service around it.
///
/// `code` is stable and travels on the wire as its `rawValue`
/// (`ORDER_NOT_FOUND`, ...). `message` is safe to show a client; `details`
/// carries structured facts a client can act on (for INVALID_STATE, the
/// order's current state).
public struct OMSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes. Never rename a case's raw value: clients match on it.
    public enum Code: String, Sendable, CaseIterable, Codable {
        case orderNotFound = "ORDER_NOT_FOUND"
        case invalidState = "INVALID_STATE"
        case fieldLocked = "FIELD_LOCKED"
        case cancelNotAuthorized = "CANCEL_NOT_AUTHORIZED"
        case invalidInstrument = "INVALID_INSTRUMENT"
        case invalidPortfolio = "INVALID_PORTFOLIO"
        case invalidAccount = "INVALID_ACCOUNT"
        case invalidOrderType = "INVALID_ORDER_TYPE"
        case duplicateOrder = "DUPLICATE_ORDER"
        case duplicateFill = "DUPLICATE_FILL"
        case permissionDenied = "PERMISSION_DENIED"
        case invalidArgument = "INVALID_ARGUMENT"
        case overfill = "OVERFILL"
        case placementNotFound = "PLACEMENT_NOT_FOUND"
        case placementExceedsUnfilled = "PLACEMENT_EXCEEDS_UNFILLED"
        case alreadyExists = "ALREADY_EXISTS"
        case notFound = "NOT_FOUND"
        case unauthenticated = "UNAUTHENTICATED"
        case tenantNotFound = "TENANT_NOT_FOUND"
        case conflict = "CONFLICT"
        case unavailable = "UNAVAILABLE"
        case internalError = "INTERNAL"
        case allocationIncomplete = "ALLOCATION_INCOMPLETE"
        case overAllocation = "OVER_ALLOCATION"
        case basketConflict = "BASKET_CONFLICT"
        case limitExceeded = "LIMIT_EXCEEDED"
        case rateLimited = "RATE_LIMITED"
        /// An `idempotency_key` already used for another request (other method or params).
        case idempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
    }

    /// The stable code clients branch on.
    public var code: Code
    /// What went wrong, safe to show a client.
    public var message: String
    /// Structured context (a field name, a state), sent as the error's data.
    public var details: [String: String]

    /// An error with `code` and a client-safe `message`.
    public init(_ code: Code, _ message: String, details: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    /// The wire code and client-safe message; `details` are left out.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension OMSError {
    static func invalidState(_ order: Order, _ command: OrderCommand) -> OMSError {
        OMSError(
            .invalidState,
            "\(command.rawValue) is not allowed in state \(order.state.rawValue)",
            details: ["state": order.state.rawValue, "order_id": order.orderId]
        )
    }

    static func invalidArgument(_ field: String, _ why: String) -> OMSError {
        OMSError(.invalidArgument, "\(field): \(why)", details: ["field": field])
    }
}
