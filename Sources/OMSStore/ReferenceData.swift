import Foundation
import OMSCore

/// The currency of a portfolio or instrument created without one.
public let defaultCurrency = "USD"

/// A portfolio: the book orders trade for.
public struct Portfolio: Sendable, Equatable, Codable {
    public var portfolioId: String
    public var name: String
    public var baseCurrency: String
    public var cash: ExactDecimal

    public init(portfolioId: String, name: String, baseCurrency: String = defaultCurrency, cash: ExactDecimal = 0) {
        self.portfolioId = portfolioId
        self.name = name
        self.baseCurrency = baseCurrency
        self.cash = cash
    }
}

/// A custody account of a portfolio.
public struct Account: Sendable, Equatable, Codable {
    public var accountId: String
    public var portfolioId: String
    public var name: String?

    public init(accountId: String, portfolioId: String, name: String? = nil) {
        self.accountId = accountId
        self.portfolioId = portfolioId
        self.name = name
    }
}

/// A tradable instrument.
public struct Instrument: Sendable, Equatable, Codable {
    public var instrumentId: String
    public var symbol: String
    public var currency: String
    public var issuer: String?
    public var sector: String?

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
    public var instrumentId: String
    public var price: ExactDecimal
    public var asOf: Date
}

/// A holding of a portfolio.
public struct Position: Sendable, Equatable, Codable {
    public var portfolioId: String
    public var instrumentId: String
    public var quantity: ExactDecimal

    public init(portfolioId: String, instrumentId: String, quantity: ExactDecimal) {
        self.portfolioId = portfolioId
        self.instrumentId = instrumentId
        self.quantity = quantity
    }
}

/// A principal as stored.
public struct PrincipalRecord: Sendable, Equatable, Codable {
    public var principalId: String
    public var role: Role
    public var portfolioIds: [String]?
    public var displayName: String?

    public init(principalId: String, role: Role, portfolioIds: [String]? = nil, displayName: String? = nil) {
        self.principalId = principalId
        self.role = role
        self.portfolioIds = portfolioIds
        self.displayName = displayName
    }
}

/// A newly created API key; `apiKey` is shown this once and never stored.
public struct IssuedKey: Sendable, Equatable {
    public var keyId: String
    public var principalId: String
    public var apiKey: String
}
