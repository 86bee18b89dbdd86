import Foundation
import OMSCore
import OMSProtocol
import OMSStore

extension Catalogue {
    /// A principal as `admin.disable_principal` / `admin.enable_principal` answer it.
    static func principalStatus(_ status: PrincipalStatus) -> JSON {
        let record = status.record
        return .object([
            "principal_id": .string(record.principalId), "role": .string(record.role.rawValue),
            "portfolio_ids": record.portfolioIds.map { .array($0.map(JSON.string)) } ?? .null,
            "display_name": Wire.optional(record.displayName),
            "disabled_at": status.disabledAt.map(JSON.date) ?? .null,
        ])
    }

    static let adminMethods: [MethodSpec] = [
        MethodSpec(
            "admin.create_principal", "Create a user or plugin principal with one role.",
            params: CreatePrincipalParams.self, roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            let record = try await ctx.services.reference.createPrincipal(
                PrincipalRecord(principalId: p.principalId, role: p.role, portfolioIds: p.portfolioIds,
                                displayName: p.displayName),
                actor: ctx.principal)
            return .object([
                "principal_id": .string(record.principalId), "role": .string(record.role.rawValue),
                "portfolio_ids": record.portfolioIds.map { .array($0.map(JSON.string)) } ?? .null,
                "display_name": Wire.optional(record.displayName),
            ])
        },
        MethodSpec(
            "admin.create_api_key", "Issue an API key for a principal; the key is shown only in this answer.",
            params: PrincipalIdParams.self, roles: [.admin], result: "{api_key, key_id, principal_id}", mutating: true
        ) { p, ctx in
            let key = try await ctx.services.keys.createKey(principalId: p.principalId, actor: ctx.principal)
            return .object(["api_key": .string(key.apiKey), "key_id": .string(key.keyId),
                            "principal_id": .string(key.principalId)])
        },
        MethodSpec("admin.revoke_api_key", "Revoke an API key.", params: KeyIdParams.self,
                   roles: [.admin], result: "{ok}", mutating: true) { p, ctx in
            try await ctx.services.keys.revoke(keyId: p.keyId, actor: ctx.principal)
            return .object(["ok": .bool(true)])
        },
        MethodSpec(
            "admin.disable_principal",
            "Disable a principal: its keys stop authenticating and its live sessions lose their rights within a second.",
            params: PrincipalIdParams.self, roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            principalStatus(try await ctx.services.keys.setDisabled(true, principalId: p.principalId, actor: ctx.principal))
        },
        MethodSpec(
            "admin.enable_principal", "Enable a disabled principal again; its unrevoked keys authenticate again.",
            params: PrincipalIdParams.self, roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            principalStatus(try await ctx.services.keys.setDisabled(false, principalId: p.principalId, actor: ctx.principal))
        },
        MethodSpec(
            "admin.create_portfolio", "Create a portfolio.",
            params: CreatePortfolioParams.self, roles: [.admin], result: "portfolio", mutating: true
        ) { p, ctx in
            let portfolio = try await ctx.services.reference.createPortfolio(
                Portfolio(portfolioId: p.portfolioId, name: p.name, baseCurrency: p.baseCurrency ?? defaultCurrency, cash: p.cash ?? 0),
                actor: ctx.principal)
            return .object(["portfolio_id": .string(portfolio.portfolioId), "name": .string(portfolio.name),
                            "base_currency": .string(portfolio.baseCurrency), "cash": .decimal(portfolio.cash)])
        },
        MethodSpec(
            "admin.create_account", "Create an account of a portfolio.",
            params: CreateAccountParams.self, roles: [.admin], result: "account", mutating: true
        ) { p, ctx in
            let account = try await ctx.services.reference.createAccount(
                Account(accountId: p.accountId, portfolioId: p.portfolioId, name: p.name),
                actor: ctx.principal)
            return .object(["account_id": .string(account.accountId), "portfolio_id": .string(account.portfolioId),
                            "name": Wire.optional(account.name)])
        },
        MethodSpec(
            "admin.create_instrument", "Create an instrument.",
            params: CreateInstrumentParams.self, roles: [.admin], result: "instrument", mutating: true
        ) { p, ctx in
            let instrument = try await ctx.services.reference.createInstrument(
                Instrument(instrumentId: p.instrumentId, symbol: p.symbol, currency: p.currency ?? defaultCurrency, issuer: p.issuer,
                           sector: p.sector),
                actor: ctx.principal)
            return .object(["instrument_id": .string(instrument.instrumentId), "symbol": .string(instrument.symbol),
                            "currency": .string(instrument.currency), "issuer": Wire.optional(instrument.issuer),
                            "sector": Wire.optional(instrument.sector)])
        },
        MethodSpec(
            "admin.set_position", "Set a portfolio's opening position in an instrument.",
            params: SetPositionParams.self, roles: [.admin, .ops], result: "position", mutating: true
        ) { p, ctx in
            let position = try await ctx.services.reference.setPosition(
                Position(portfolioId: p.portfolioId, instrumentId: p.instrumentId, quantity: p.quantity),
                actor: ctx.principal)
            return .object(["portfolio_id": .string(position.portfolioId), "instrument_id": .string(position.instrumentId),
                            "quantity": .decimal(position.quantity)])
        },
        MethodSpec(
            "market.set_price", "Record an instrument's last price.",
            params: SetPriceParams.self, roles: [.system, .admin], result: "price", mutating: true
        ) { p, ctx in
            let price = try await ctx.services.reference.setPrice(
                instrumentId: p.instrumentId, price: p.price, asOf: p.asOf, actor: ctx.principal)
            return .object(["instrument_id": .string(price.instrumentId), "price": .decimal(price.price),
                            "as_of": .date(price.asOf)])
        },
    ]
}

/// `admin.create_principal`.
struct CreatePrincipalParams: MethodParams {
    var principalId: String
    var role: Role
    var portfolioIds: [String]?
    var displayName: String?

    static let specs: [ParamSpec] = [
        ParamSpec("principal_id", .identifier), ParamSpec("role", ParamSpec.role),
        .optional("portfolio_ids", .array(.identifier), "limit the principal to these portfolios"),
        .optional("display_name", .text),
    ]
}

/// `admin.create_api_key`, `admin.disable_principal`, `admin.enable_principal`.
struct PrincipalIdParams: MethodParams {
    var principalId: String
    static let specs = [ParamSpec("principal_id", .identifier)]
}

/// `admin.revoke_api_key`.
struct KeyIdParams: MethodParams {
    var keyId: String
    static let specs = [ParamSpec("key_id", .identifier)]
}

/// `admin.create_portfolio`.
struct CreatePortfolioParams: MethodParams {
    var portfolioId: String
    var name: String
    var baseCurrency: String?
    var cash: ExactDecimal?

    static let specs: [ParamSpec] = [
        ParamSpec("portfolio_id", .identifier), ParamSpec("name", .text),
        .optional("base_currency", .identifier), .optional("cash", .decimal),
    ]
}

/// `admin.create_account`.
struct CreateAccountParams: MethodParams {
    var accountId: String
    var portfolioId: String
    var name: String?

    static let specs: [ParamSpec] = [
        ParamSpec("account_id", .identifier), ParamSpec("portfolio_id", .identifier), .optional("name", .text),
    ]
}

/// `admin.create_instrument`.
struct CreateInstrumentParams: MethodParams {
    var instrumentId: String
    var symbol: String
    var currency: String?
    var issuer: String?
    var sector: String?

    static let specs: [ParamSpec] = [
        ParamSpec("instrument_id", .identifier), ParamSpec("symbol", .identifier), .optional("currency", .identifier),
        .optional("issuer", .text), .optional("sector", .text),
    ]
}

/// `admin.set_position`.
struct SetPositionParams: MethodParams {
    var portfolioId: String
    var instrumentId: String
    var quantity: ExactDecimal

    static let specs: [ParamSpec] = [
        ParamSpec("portfolio_id", .identifier), ParamSpec("instrument_id", .identifier), ParamSpec("quantity", .decimal),
    ]
}

/// `market.set_price`.
struct SetPriceParams: MethodParams {
    var instrumentId: String
    var price: ExactDecimal
    var asOf: Date?

    static let specs: [ParamSpec] = [
        ParamSpec("instrument_id", .identifier), ParamSpec("price", .decimal), .optional("as_of", .timestamp),
    ]
}
