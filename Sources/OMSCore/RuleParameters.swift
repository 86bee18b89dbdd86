import Foundation

/// The built-in rule types (DESIGN.md section 7). Raw values are the wire and
/// database spelling; the database backs them with a CHECK constraint.
public enum RuleType: String, Sendable, CaseIterable, Codable {
    case concentrationLimit = "concentration_limit"
    case maxOrderQuantity = "max_order_quantity"
    case maxOrderNotional = "max_order_notional"
    case restrictedList = "restricted_list"
    case noShortSales = "no_short_sales"
    case maxPositionQuantity = "max_position_quantity"

    /// The parameter names this type accepts.
    public var parameterNames: [String] {
        switch self {
        case .concentrationLimit: ["max_pct", "scope"]
        case .maxOrderQuantity: ["max_quantity"]
        case .maxOrderNotional: ["max_notional"]
        case .restrictedList: ["instrument_ids", "directions"]
        case .noShortSales: []
        case .maxPositionQuantity: ["max_quantity", "instrument_id"]
        }
    }
}

/// What a concentration limit groups by.
public enum ConcentrationScope: String, Sendable, CaseIterable, Codable {
    case singleName = "single_name"
    case issuer
    case sector
}

/// A rule's parameters as given, before they are checked against its type:
/// every parameter of every type, each optional. `RuleDefinition` checks them.
public struct RuleParameters: Sendable, Equatable, Codable {
    /// concentration_limit: the largest share of NAV, as a fraction (0.05 is 5%).
    public var maxPct: Decimal?
    /// concentration_limit: what is measured together (`ConcentrationScope` raw value).
    public var scope: String?
    /// max_order_quantity and max_position_quantity: the largest quantity.
    public var maxQuantity: Decimal?
    /// max_order_notional: the largest quantity × price.
    public var maxNotional: Decimal?
    /// restricted_list: the instruments refused.
    public var instrumentIds: [String]?
    /// restricted_list: the directions refused (all when nil).
    public var directions: [String]?
    /// max_position_quantity: the instrument limited, if only one is.
    public var instrumentId: String?

    /// Every parameter name of every rule type.
    public static let names = ["max_pct", "scope", "max_quantity", "max_notional", "instrument_ids", "directions",
                               "instrument_id"]

    /// Parameters as given; unset ones are nil and `RuleDefinition` checks what the type needs.
    public init(maxPct: Decimal? = nil, scope: String? = nil, maxQuantity: Decimal? = nil, maxNotional: Decimal? = nil,
                instrumentIds: [String]? = nil, directions: [String]? = nil, instrumentId: String? = nil) {
        self.maxPct = maxPct
        self.scope = scope
        self.maxQuantity = maxQuantity
        self.maxNotional = maxNotional
        self.instrumentIds = instrumentIds
        self.directions = directions
        self.instrumentId = instrumentId
    }

    /// Names of the parameters that are set.
    public var setNames: [String] {
        let set: [(String, Bool)] = [
            ("max_pct", maxPct != nil), ("scope", scope != nil), ("max_quantity", maxQuantity != nil),
            ("max_notional", maxNotional != nil), ("instrument_ids", instrumentIds != nil),
            ("directions", directions != nil), ("instrument_id", instrumentId != nil),
        ]
        return set.filter(\.1).map(\.0)
    }

    enum CodingKeys: String, CodingKey {
        case maxPct = "max_pct", scope, maxQuantity = "max_quantity", maxNotional = "max_notional"
        case instrumentIds = "instrument_ids", directions, instrumentId = "instrument_id"
    }

    // Decimals are stored as strings ("0.05"), so they round-trip exactly.
    /// Omits absent parameters and writes decimals as strings.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(maxPct?.description, forKey: .maxPct)
        try container.encodeIfPresent(scope, forKey: .scope)
        try container.encodeIfPresent(maxQuantity?.description, forKey: .maxQuantity)
        try container.encodeIfPresent(maxNotional?.description, forKey: .maxNotional)
        try container.encodeIfPresent(instrumentIds, forKey: .instrumentIds)
        try container.encodeIfPresent(directions, forKey: .directions)
        try container.encodeIfPresent(instrumentId, forKey: .instrumentId)
    }

    /// Decimals must be strings; a JSON number or malformed text is a data-corrupted error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func decimal(_ key: CodingKeys) throws -> Decimal? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a decimal: \(text)")
            }
            return value
        }
        maxPct = try decimal(.maxPct)
        scope = try container.decodeIfPresent(String.self, forKey: .scope)
        maxQuantity = try decimal(.maxQuantity)
        maxNotional = try decimal(.maxNotional)
        instrumentIds = try container.decodeIfPresent([String].self, forKey: .instrumentIds)
        directions = try container.decodeIfPresent([String].self, forKey: .directions)
        instrumentId = try container.decodeIfPresent(String.self, forKey: .instrumentId)
    }
}

/// A rule type with parameters that passed its checks: what the engine evaluates.
public enum RuleDefinition: Sendable, Equatable {
    case concentrationLimit(maxPct: Decimal, scope: ConcentrationScope)
    case maxOrderQuantity(maxQuantity: Decimal)
    case maxOrderNotional(maxNotional: Decimal)
    case restrictedList(instrumentIds: [String], directions: [Direction]?)
    case noShortSales
    case maxPositionQuantity(maxQuantity: Decimal, instrumentId: String?)

    /// Checks `parameters` against `type`; the first problem is INVALID_ARGUMENT
    /// with `details["field"]` naming the parameter (`parameters.max_pct`).
    public init(_ type: RuleType, _ parameters: RuleParameters) throws(OMSError) {
        if let extra = parameters.setNames.first(where: { !type.parameterNames.contains($0) }) {
            let allowed = type.parameterNames.isEmpty ? "none" : type.parameterNames.joined(separator: ", ")
            throw .invalidArgument("parameters.\(extra)", "is not a parameter of \(type.rawValue) (allowed: \(allowed))")
        }
        switch type {
        case .concentrationLimit:
            let maxPct = try Self.required(parameters.maxPct, "max_pct")
            if let problem = NumericDomain.fraction.problem(maxPct) {
                throw .invalidArgument("parameters.max_pct", "\(problem) (greater than 0 and at most 1: 0.05 is 5%)")
            }
            let scope = try parameters.scope.map { text throws(OMSError) in
                guard let scope = ConcentrationScope(rawValue: text) else {
                    throw .invalidArgument("parameters.scope", "must be single_name, issuer or sector")
                }
                return scope
            }
            self = .concentrationLimit(maxPct: maxPct, scope: scope ?? .singleName)
        case .maxOrderQuantity:
            self = .maxOrderQuantity(maxQuantity: try Self.positive(parameters.maxQuantity, "max_quantity", .quantity))
        case .maxOrderNotional:
            self = .maxOrderNotional(maxNotional: try Self.positive(parameters.maxNotional, "max_notional", .moneyLimit))
        case .restrictedList:
            let ids = try Self.required(parameters.instrumentIds, "instrument_ids")
            guard !ids.isEmpty else {
                throw .invalidArgument("parameters.instrument_ids", "must list at least one instrument")
            }
            for id in ids { try OrderValidation.requireIdentifier(id, field: "parameters.instrument_ids") }
            let directions = try parameters.directions.map { names throws(OMSError) in
                guard !names.isEmpty else {
                    throw .invalidArgument("parameters.directions", "must list at least one direction, or be left out for all")
                }
                return try names.map { name throws(OMSError) in
                    guard let direction = Direction(rawValue: name) else {
                        throw .invalidArgument("parameters.directions", "must be Buy, Sell, SellShort or BuyToCover")
                    }
                    return direction
                }
            }
            self = .restrictedList(instrumentIds: Self.unique(ids), directions: directions.map(Self.unique))
        case .noShortSales:
            self = .noShortSales
        case .maxPositionQuantity:
            if let id = parameters.instrumentId {
                try OrderValidation.requireIdentifier(id, field: "parameters.instrument_id")
            }
            self = .maxPositionQuantity(maxQuantity: try Self.positive(parameters.maxQuantity, "max_quantity", .quantity),
                                        instrumentId: parameters.instrumentId)
        }
    }

    /// The rule type.
    public var ruleType: RuleType {
        switch self {
        case .concentrationLimit: .concentrationLimit
        case .maxOrderQuantity: .maxOrderQuantity
        case .maxOrderNotional: .maxOrderNotional
        case .restrictedList: .restrictedList
        case .noShortSales: .noShortSales
        case .maxPositionQuantity: .maxPositionQuantity
        }
    }

    /// The parameters as stored and shown, defaults filled in (scope).
    public var parameters: RuleParameters {
        switch self {
        case .concentrationLimit(let maxPct, let scope): RuleParameters(maxPct: maxPct, scope: scope.rawValue)
        case .maxOrderQuantity(let maxQuantity): RuleParameters(maxQuantity: maxQuantity)
        case .maxOrderNotional(let maxNotional): RuleParameters(maxNotional: maxNotional)
        case .restrictedList(let ids, let directions):
            RuleParameters(instrumentIds: ids, directions: directions?.map(\.rawValue))
        case .noShortSales: RuleParameters()
        case .maxPositionQuantity(let maxQuantity, let instrumentId):
            RuleParameters(maxQuantity: maxQuantity, instrumentId: instrumentId)
        }
    }

    private static func required<T>(_ value: T?, _ name: String) throws(OMSError) -> T {
        guard let value else { throw .invalidArgument("parameters.\(name)", "is required") }
        return value
    }

    private static func positive(_ value: Decimal?, _ name: String, _ domain: NumericDomain) throws(OMSError) -> Decimal {
        let value = try required(value, name)
        try domain.check(value, field: "parameters.\(name)")
        return value
    }

    private static func unique<T: Equatable>(_ values: [T]) -> [T] {
        values.reduce(into: []) { kept, value in if !kept.contains(value) { kept.append(value) } }
    }
}
