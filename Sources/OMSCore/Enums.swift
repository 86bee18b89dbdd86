/// Side of an order.
public enum Direction: String, Sendable, CaseIterable, Codable {
    case buy = "Buy"
    case sell = "Sell"
    case sellShort = "SellShort"
    case buyToCover = "BuyToCover"

    /// +1 for sides that add to a position, -1 for sides that reduce it.
    public var sign: Int { self == .buy || self == .buyToCover ? 1 : -1 }
}

/// How an order is to be executed.
public enum OrderType: String, Sendable, CaseIterable, Codable {
    case market = "Market"
    case limit = "Limit"
    case stop = "Stop"
    case stopLimit = "StopLimit"
    case previouslyQuoted = "PreviouslyQuoted"

    /// Types that carry a limit price.
    public var requiresLimitPrice: Bool { self == .limit || self == .stopLimit || self == .previouslyQuoted }
    /// Types that carry a stop price.
    public var requiresStopPrice: Bool { self == .stop || self == .stopLimit }
}

/// How long an order stays working.
public enum TimeInForce: String, Sendable, CaseIterable, Codable {
    case day = "Day"
    case gtc = "GTC"
    case ioc = "IOC"
    case fok = "FOK"
    case gtd = "GTD"
    case atTheOpen = "AtTheOpen"
    case atTheClose = "AtTheClose"
}

/// The role of a principal; one per principal.
public enum Role: String, Sendable, CaseIterable, Codable {
    case pm = "PM"
    case trader = "Trader"
    case ops = "Ops"
    case compliance = "Compliance"
    case system = "System"
    case admin = "Admin"
}

/// Who holds an order in a given state.
public enum OrderOwner: String, Sendable, Codable {
    case pm = "PM"
    case trader = "Trader"
    case ops = "Ops"
    case system = "System"
    case none = "None"
}
