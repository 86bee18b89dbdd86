import Foundation
import OMSCore

/// The currency of a portfolio or instrument created without one.
public let defaultCurrency = "USD"

/// A portfolio: the book orders trade for.
public struct Portfolio: Sendable, Equatable, Codable {
    /// The portfolio's identifier, as orders and rules name it.
    public var portfolioId: String
    /// A display name.
    public var name: String
    /// The currency cash and values are measured in.
    public var baseCurrency: String
    /// Cash in base currency, part of the NAV concentration limits divide by.
    public var cash: ExactDecimal

    /// A portfolio; `defaultCurrency` and no cash unless given.
    public init(portfolioId: String, name: String, baseCurrency: String = defaultCurrency, cash: ExactDecimal = 0) {
        self.portfolioId = portfolioId
        self.name = name
        self.baseCurrency = baseCurrency
        self.cash = cash
    }
}

/// A custody account of a portfolio.
public struct Account: Sendable, Equatable, Codable {
    /// The account's identifier, as allocations name it.
    public var accountId: String
    /// The portfolio the account books for; allocations must match it.
    public var portfolioId: String
    /// A display name, if any.
    public var name: String?

    /// An account of `portfolioId`.
    public init(accountId: String, portfolioId: String, name: String? = nil) {
        self.accountId = accountId
        self.portfolioId = portfolioId
        self.name = name
    }
}

/// A tradable instrument.
public struct Instrument: Sendable, Equatable, Codable {
    /// The instrument's identifier, as orders name it.
    public var instrumentId: String
    /// The ticker, for people.
    public var symbol: String
    /// The currency the instrument trades in.
    public var currency: String
    /// The issuer, for issuer concentration limits; nil leaves them unmeasurable.
    public var issuer: String?
    /// The sector, for sector concentration limits; nil leaves them unmeasurable.
    public var sector: String?

    /// An instrument; `defaultCurrency` and no issuer or sector unless given.
    public init(instrumentId: String, symbol: String, currency: String = defaultCurrency, issuer: String? = nil,
                sector: String? = nil) {
        self.instrumentId = instrumentId
        self.symbol = symbol
        self.currency = currency
        self.issuer = issuer
        self.sector = sector
    }
}

/// A last price.
public struct Price: Sendable, Equatable, Codable {
    /// The instrument priced.
    public var instrumentId: String
    /// The last price, scale as given.
    public var price: ExactDecimal
    /// When the price was set.
    public var asOf: Date
}

/// A holding of a portfolio.
public struct Position: Sendable, Equatable, Codable {
    /// The portfolio holding the position.
    public var portfolioId: String
    /// The instrument held.
    public var instrumentId: String
    /// The quantity held, scale as given.
    public var quantity: ExactDecimal

    /// A position of `quantity` in `instrumentId`.
    public init(portfolioId: String, instrumentId: String, quantity: ExactDecimal) {
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.quantity = quantity
    }
}

/// A principal as stored.
public struct PrincipalRecord: Sendable, Equatable, Codable {
    /// The principal's identifier, as events record the actor.
    public var principalId: String
    /// What the principal may do.
    public var role: Role
    /// Portfolios the principal is limited to; nil for all of the tenant's.
    public var portfolioIds: [String]?
    /// A display name, if any.
    public var displayName: String?

    /// A principal of `role`, unrestricted unless `portfolioIds` is given.
    public init(principalId: String, role: Role, portfolioIds: [String]? = nil, displayName: String? = nil) {
        self.principalId = principalId
        self.role = role
        self.portfolioIds = portfolioIds
        self.displayName = displayName
    }
}

/// A newly created API key; `apiKey` is shown this once and never stored.
public struct IssuedKey: Sendable, Equatable {
    /// The key's identifier, for revocation and logs.
    public var keyId: String
    /// The principal the key authenticates as.
    public var principalId: String
    /// The secret itself; only its hash is stored.
    public var apiKey: String
}
