import Foundation

/// A change to one optional field: set it, or clear it (JSON `null`).
public enum FieldPatch<Value: Sendable & Equatable>: Sendable, Equatable {
    case set(Value)
    case clear

    /// The value after the patch.
    public var value: Value? {
        if case .set(let value) = self { return value }
        return nil
    }
}

/// The fields `update_order` may change. Economic fields lock once
/// pre-trade compliance passes; booking fields stay open until a terminal state.
public struct OrderChanges: Sendable, Equatable {
    /// A new ordered quantity (economic).
    public var orderedQuantity: ExactDecimal?
    /// Set or clear the limit price (economic).
    public var limitPrice: FieldPatch<ExactDecimal>?
    /// Set or clear the stop price (economic).
    public var stopPrice: FieldPatch<ExactDecimal>?
    /// A new time in force (economic).
    public var timeInForce: TimeInForce?
    /// Set or clear the expiry (economic).
    public var expireAt: FieldPatch<Date>?
    /// Set or clear the counterparty (booking).
    public var counterpartyId: FieldPatch<String>?
    /// Set or clear the metadata (booking).
    public var metadata: FieldPatch<[String: JSON]>?
    /// Set by create_basket only (not by update_order), so joining a basket replays.
    public var basketId: FieldPatch<String>?

    /// A change of the given fields; those left nil stay as they are.
    public init(
        orderedQuantity: ExactDecimal? = nil, limitPrice: FieldPatch<ExactDecimal>? = nil,
        stopPrice: FieldPatch<ExactDecimal>? = nil, timeInForce: TimeInForce? = nil,
        expireAt: FieldPatch<Date>? = nil, counterpartyId: FieldPatch<String>? = nil,
        metadata: FieldPatch<[String: JSON]>? = nil, basketId: FieldPatch<String>? = nil
    ) {
        self.orderedQuantity = orderedQuantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.timeInForce = timeInForce
        self.expireAt = expireAt
        self.counterpartyId = counterpartyId
        self.metadata = metadata
        self.basketId = basketId
    }

    /// Wire names of the economic fields this change touches.
    public var economicFields: [String] {
        var names: [String] = []
        if orderedQuantity != nil { names.append("ordered_quantity") }
        if limitPrice != nil { names.append("limit_price") }
        if stopPrice != nil { names.append("stop_price") }
        if timeInForce != nil { names.append("time_in_force") }
        if expireAt != nil { names.append("expire_at") }
        return names
    }

    /// Refuses decimals outside the numeric domain, naming `changes.<field>`.
    public func checkDomain() throws(OMSError) {
        try NumericDomain.quantity.check(orderedQuantity, field: "changes.ordered_quantity")
        try NumericDomain.price.check(limitPrice?.value, field: "changes.limit_price")
        try NumericDomain.price.check(stopPrice?.value, field: "changes.stop_price")
    }

    /// Whether the change touches a booking field.
    public var touchesBookingFields: Bool { counterpartyId != nil || metadata != nil }

    /// Whether the change touches nothing, which `update_order` refuses.
    public var isEmpty: Bool { economicFields.isEmpty && !touchesBookingFields && basketId == nil }

    /// Applies the change to an order's fields (no rule checks).
    public func apply(to order: inout Order) {
        if let orderedQuantity { order.orderedQuantity = orderedQuantity }
        if let limitPrice { order.limitPrice = limitPrice.value }
        if let stopPrice { order.stopPrice = stopPrice.value }
        if let timeInForce { order.timeInForce = timeInForce }
        if let expireAt { order.expireAt = expireAt.value }
        if let counterpartyId { order.counterpartyId = counterpartyId.value }
        if let metadata { order.metadata = metadata.value }
        if let basketId { order.basketId = basketId.value }
    }
}

extension OrderChanges: Codable {
    enum CodingKeys: String, CodingKey {
        case orderedQuantity = "ordered_quantity", limitPrice = "limit_price", stopPrice = "stop_price"
        case timeInForce = "time_in_force", expireAt = "expire_at"
        case counterpartyId = "counterparty_id", metadata, basketId = "basket_id"
    }

    /// An absent key leaves the field alone, an explicit null clears it; decimals as strings or numbers.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func patch<T: Decodable & Sendable & Equatable>(_ key: CodingKeys) throws -> FieldPatch<T>? {
            guard c.contains(key) else { return nil }
            return try c.decodeNil(forKey: key) ? .clear : .set(c.decode(T.self, forKey: key))
        }
        // Decimals as strings (or numbers, as stored before): see ExactDecimal's Codable.
        orderedQuantity = try c.decodeIfPresent(ExactDecimal.self, forKey: .orderedQuantity)
        limitPrice = try patch(.limitPrice)
        stopPrice = try patch(.stopPrice)
        timeInForce = try c.decodeIfPresent(TimeInForce.self, forKey: .timeInForce)
        expireAt = try patch(.expireAt)
        counterpartyId = try patch(.counterpartyId)
        metadata = try patch(.metadata)
        basketId = try patch(.basketId)
    }

    /// Writes only the fields that change; a cleared field is an explicit null.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func put<T: Encodable & Sendable & Equatable>(_ patch: FieldPatch<T>?, _ key: CodingKeys) throws {
            switch patch {
            case .none: break
            case .clear: try c.encodeNil(forKey: key)
            case .set(let value): try c.encode(value, forKey: key)
            }
        }
        try c.encodeIfPresent(orderedQuantity, forKey: .orderedQuantity)
        try put(limitPrice, .limitPrice)
        try put(stopPrice, .stopPrice)
        try c.encodeIfPresent(timeInForce, forKey: .timeInForce)
        try put(expireAt, .expireAt)
        try put(counterpartyId, .counterpartyId)
        try put(metadata, .metadata)
        try put(basketId, .basketId)
    }
}
