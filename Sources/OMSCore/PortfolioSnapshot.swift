import Foundation

/// What the rule engine knows about a portfolio at one moment: everything a
/// rule measures, read in one transaction by the store.
public struct PortfolioSnapshot: Sendable, Equatable {
    /// Issuer and sector of an instrument, for issuer and sector limits.
    public struct InstrumentReference: Sendable, Equatable {
        /// The issuer, for issuer limits.
        public var issuer: String?
        /// The sector, for sector limits.
        public var sector: String?

        /// Reference data as far as it is known.
        public init(issuer: String? = nil, sector: String? = nil) {
            self.issuer = issuer
            self.sector = sector
        }
    }

    /// The portfolio described.
    public var portfolioId: String
    /// Cash in base currency (the store nets the cost of recorded fills out of it).
    public var cash: Decimal
    /// Recorded positions by instrument: opening positions plus fills.
    public var positions: [String: Decimal]
    /// Signed unfilled quantity of orders that passed pre-trade and still work
    /// (Buy / BuyToCover positive, Sell / SellShort negative), by instrument.
    public var working: [String: Decimal]
    /// Reference data of every instrument held, worked or proposed.
    public var instruments: [String: InstrumentReference]
    /// Last prices by instrument; an instrument without one has none.
    public var prices: [String: Decimal]

    /// A snapshot; what is not given is empty.
    public init(portfolioId: String, cash: Decimal, positions: [String: Decimal] = [:], working: [String: Decimal] = [:],
                instruments: [String: InstrumentReference] = [:], prices: [String: Decimal] = [:]) {
        self.portfolioId = portfolioId
        self.cash = cash
        self.positions = positions
        self.working = working
        self.instruments = instruments
        self.prices = prices
    }

    /// Order states whose unfilled quantity counts in projected positions (`OrderState.isWorking`).
    public static let workingStates = Set(OrderState.allCases.filter(\.isWorking))

    /// Position plus working quantity, before any proposal.
    public func checkedProjectedQuantity(_ instrumentId: String) throws(CheckedDecimal.Failure) -> Decimal {
        try CheckedDecimal.add(positions[instrumentId] ?? 0, working[instrumentId] ?? 0)
    }

    /// Every instrument with a non-zero projected quantity (or one that
    /// cannot be summed, so that measuring it reports why), sorted.
    public var projectedInstruments: [String] {
        Set(positions.keys).union(working.keys).filter { (try? checkedProjectedQuantity($0)) != 0 }.sorted()
    }
}

/// An order the engine evaluates without recording it (what-if), or one
/// being decided. Price is the limit price, else the instrument's last price.
public struct ProposedOrder: Sendable, Equatable {
    /// The portfolio the order would trade for.
    public var portfolioId: String
    /// The instrument it would trade.
    public var instrumentId: String
    /// Its direction, which sets the sign of its effect.
    public var direction: Direction
    /// Its quantity.
    public var orderedQuantity: Decimal
    /// Its limit price; nil prices it at the instrument's last price.
    public var limitPrice: Decimal?

    /// A proposal, priced at the last price unless `limitPrice` is given.
    public init(portfolioId: String, instrumentId: String, direction: Direction, orderedQuantity: Decimal,
                limitPrice: Decimal? = nil) {
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.direction = direction
        self.orderedQuantity = orderedQuantity
        self.limitPrice = limitPrice
    }

    /// The quantity with the direction's sign: what the order adds to the position.
    public var signedQuantity: Decimal { direction.sign > 0 ? orderedQuantity : -orderedQuantity }

    /// Checks the fields; `field` prefixes the names in errors (`proposed_orders[0]`).
    public func validate(field prefix: String) throws(OMSError) {
        try OrderValidation.requireIdentifier(portfolioId, field: "\(prefix).portfolio_id")
        try OrderValidation.requireIdentifier(instrumentId, field: "\(prefix).instrument_id")
        try NumericDomain.quantity.check(orderedQuantity, field: "\(prefix).ordered_quantity")
        try NumericDomain.price.check(limitPrice, field: "\(prefix).limit_price")
    }

    /// Why the order's figures cannot be measured: outside the numeric
    /// domain, or nil. The quantity may be 0 here (post-trade measures what an
    /// order executed, which may be nothing); the edge requires it positive.
    public var domainProblem: String? {
        if let problem = NumericDomain.position.problem(orderedQuantity) {
            return "ordered_quantity \(orderedQuantity) \(problem)"
        }
        if let limitPrice, let problem = NumericDomain.price.problem(limitPrice) {
            return "limit_price \(limitPrice) \(problem)"
        }
        return nil
    }
}

/// The engine's answer for one proposal: HARD violations fail it, SOFT ones
/// are reported and pass.
public struct ComplianceOutcome: Sendable, Equatable {
    /// Every rule the proposal broke, HARD and SOFT.
    public var violations: [Violation]

    /// An outcome with `violations`.
    public init(violations: [Violation]) {
        self.violations = violations
    }

    /// Whether no HARD rule was broken.
    public var passed: Bool { !violations.contains { $0.severity == .hard } }
}
