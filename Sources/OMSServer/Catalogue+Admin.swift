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
            params: [ParamSpec("principal_id", .identifier), ParamSpec("role", ParamSpec.role),
                     .optional("portfolio_ids", .array(.identifier), "limit the principal to these portfolios"),
                     .optional("display_name", .text)],
            roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            let record = try await ctx.services.reference.createPrincipal(
                PrincipalRecord(principalId: p.string("principal_id"), role: p.enumValue("role", Role.self)!,
                                portfolioIds: p.optionalStrings("portfolio_ids"), displayName: p.optionalString("display_name")),
                actor: ctx.principal)
            return .object([
                "principal_id": .string(record.principalId), "role": .string(record.role.rawValue),
                "portfolio_ids": record.portfolioIds.map { .array($0.map(JSON.string)) } ?? .null,
                "display_name": Wire.optional(record.displayName),
            ])
        },
        MethodSpec(
            "admin.create_api_key", "Issue an API key for a principal; the key is shown only in this answer.",
            params: [ParamSpec("principal_id", .identifier)], roles: [.admin], result: "{api_key, key_id, principal_id}",
            mutating: true
        ) { p, ctx in
            let key = try await ctx.services.keys.createKey(principalId: p.string("principal_id"), actor: ctx.principal)
            return .object(["api_key": .string(key.apiKey), "key_id": .string(key.keyId),
                            "principal_id": .string(key.principalId)])
        },
        MethodSpec("admin.revoke_api_key", "Revoke an API key.", params: [ParamSpec("key_id", .identifier)],
                   roles: [.admin], result: "{ok}", mutating: true) { p, ctx in
            try await ctx.services.keys.revoke(keyId: p.string("key_id"), actor: ctx.principal)
            return .object(["ok": .bool(true)])
        },
        MethodSpec(
            "admin.disable_principal",
            "Disable a principal: its keys stop authenticating and its live sessions lose their rights within a second.",
            params: [ParamSpec("principal_id", .identifier)], roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            principalStatus(try await ctx.services.keys.setDisabled(true, principalId: p.string("principal_id"),
                                                                    actor: ctx.principal))
        },
        MethodSpec(
            "admin.enable_principal", "Enable a disabled principal again; its unrevoked keys authenticate again.",
            params: [ParamSpec("principal_id", .identifier)], roles: [.admin], result: "principal", mutating: true
        ) { p, ctx in
            principalStatus(try await ctx.services.keys.setDisabled(false, principalId: p.string("principal_id"),
                                                                    actor: ctx.principal))
        },
        MethodSpec(
            "admin.create_portfolio", "Create a portfolio.",
            params: [ParamSpec("portfolio_id", .identifier), ParamSpec("name", .text),
                     .optional("base_currency", .identifier), .optional("cash", .decimal)],
            roles: [.admin], result: "portfolio", mutating: true
        ) { p, ctx in
            let portfolio = try await ctx.services.reference.createPortfolio(
                Portfolio(portfolioId: p.string("portfolio_id"), name: p.string("name"),
                          baseCurrency: p.optionalString("base_currency") ?? "USD", cash: p.optionalExactDecimal("cash") ?? 0),
                actor: ctx.principal)
            return .object(["portfolio_id": .string(portfolio.portfolioId), "name": .string(portfolio.name),
                            "base_currency": .string(portfolio.baseCurrency), "cash": .decimal(portfolio.cash)])
        },
        MethodSpec(
            "admin.create_account", "Create an account of a portfolio.",
            params: [ParamSpec("account_id", .identifier), ParamSpec("portfolio_id", .identifier), .optional("name", .text)],
            roles: [.admin], result: "account", mutating: true
        ) { p, ctx in
            let account = try await ctx.services.reference.createAccount(
                Account(accountId: p.string("account_id"), portfolioId: p.string("portfolio_id"), name: p.optionalString("name")),
                actor: ctx.principal)
            return .object(["account_id": .string(account.accountId), "portfolio_id": .string(account.portfolioId),
                            "name": Wire.optional(account.name)])
        },
        MethodSpec(
            "admin.create_instrument", "Create an instrument.",
            params: [ParamSpec("instrument_id", .identifier), ParamSpec("symbol", .identifier), .optional("currency", .identifier),
                     .optional("issuer", .text), .optional("sector", .text)],
            roles: [.admin], result: "instrument", mutating: true
        ) { p, ctx in
            let instrument = try await ctx.services.reference.createInstrument(
                Instrument(instrumentId: p.string("instrument_id"), symbol: p.string("symbol"),
                           currency: p.optionalString("currency") ?? "USD", issuer: p.optionalString("issuer"),
                           sector: p.optionalString("sector")),
                actor: ctx.principal)
            return .object(["instrument_id": .string(instrument.instrumentId), "symbol": .string(instrument.symbol),
                            "currency": .string(instrument.currency), "issuer": Wire.optional(instrument.issuer),
                            "sector": Wire.optional(instrument.sector)])
        },
        MethodSpec(
            "admin.set_position", "Set a portfolio's opening position in an instrument.",
            params: [ParamSpec("portfolio_id", .identifier), ParamSpec("instrument_id", .identifier), ParamSpec("quantity", .decimal)],
            roles: [.admin, .ops], result: "position", mutating: true
        ) { p, ctx in
            let position = try await ctx.services.reference.setPosition(
                Position(portfolioId: p.string("portfolio_id"), instrumentId: p.string("instrument_id"),
                         quantity: p.exactDecimal("quantity")),
                actor: ctx.principal)
            return .object(["portfolio_id": .string(position.portfolioId), "instrument_id": .string(position.instrumentId),
                            "quantity": .decimal(position.quantity)])
        },
        MethodSpec(
            "market.set_price", "Record an instrument's last price.",
            params: [ParamSpec("instrument_id", .identifier), ParamSpec("price", .decimal), .optional("as_of", .timestamp)],
            roles: [.system, .admin], result: "price", mutating: true
        ) { p, ctx in
            let price = try await ctx.services.reference.setPrice(
                instrumentId: p.string("instrument_id"), price: p.exactDecimal("price"), asOf: p.optionalDate("as_of"),
                actor: ctx.principal)
            return .object(["instrument_id": .string(price.instrumentId), "price": .decimal(price.price),
                            "as_of": .date(price.asOf)])
        },
    ]
}
