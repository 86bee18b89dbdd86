import Foundation

/// What a command carried, as recorded with its event. Only the fields that
/// apply to the command are set.
public struct EventPayload: Sendable, Equatable, Codable {
    enum CodingKeys: String, CodingKey {
        case order, changes, fill, placement, allocation, reason, violations
        case approverId = "approver_id", complianceResultId = "compliance_result_id"
    }

    /// The order's fields at creation (create_order).
    public var order: Order?
    /// The fields changed (update_order, create_basket).
    public var changes: OrderChanges?
    /// The execution recorded (record_fill).
    public var fill: FillRecord?
    /// The placement made (create_placement).
    public var placement: Placement?
    /// The allocation as the command left it (create_allocation, update_allocation).
    public var allocation: Allocation?
    /// The reason given (cancel, reject, override).
    public var reason: String?
    /// The violations of a compliance verdict.
    public var violations: [Violation]?
    /// The approver of an override.
    public var approverId: String?
    /// The compliance result a verdict recorded.
    public var complianceResultId: String?

    /// A payload with the fields that apply to the command.
    public init(order: Order? = nil, changes: OrderChanges? = nil, fill: FillRecord? = nil,
                placement: Placement? = nil, allocation: Allocation? = nil, reason: String? = nil,
                violations: [Violation]? = nil, approverId: String? = nil, complianceResultId: String? = nil) {
        self.order = order
        self.changes = changes
        self.fill = fill
        self.placement = placement
        self.allocation = allocation
        self.reason = reason
        self.violations = violations
        self.approverId = approverId
        self.complianceResultId = complianceResultId
    }

    /// JSON as stored in `order_events.payload` (snake_case keys, decimals as
    /// strings, RFC 3339 times, metadata exactly as the client sent it).
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601WithFractions
        encoder.outputFormatting = .sortedKeys
        // Encoding plain value types cannot fail.
        let encoded = String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
        let metadata = self.metadata
        guard !metadata.isEmpty, case .object(var members)? = try? JSONParser.parse(encoded) else { return encoded }
        for (key, value) in metadata {
            guard case .object(var holder)? = members[key] else { continue }
            holder["metadata"] = .object(value)
            members[key] = .object(holder)
        }
        return JSON.object(members).serializedString
    }

    /// Parses a stored payload. The metadata is taken out and read by
    /// JSONParser before JSONDecoder reads the rest, so Foundation never sees
    /// its numbers (a `-1e400` would not even fit a `Decimal`).
    public static func parse(_ json: String) throws -> EventPayload {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601WithFractions
        // Most payloads carry no metadata: JSONDecoder alone reads them.
        guard json.contains("\"metadata\"") else { return try decoder.decode(EventPayload.self, from: Data(json.utf8)) }
        guard case .object(var members) = try JSONParser.parse(json) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "an event payload is not an object"))
        }
        var metadata: [String: [String: JSON]] = [:]
        for key in metadataHolders {
            guard case .object(var holder)? = members[key], case .object(let value)? = holder["metadata"] else { continue }
            metadata[key] = value
            holder["metadata"] = .object([:])
            members[key] = .object(holder)
        }
        let rest = metadata.isEmpty ? Data(json.utf8) : Data(JSON.object(members).serialized())
        var payload = try decoder.decode(EventPayload.self, from: rest)
        if let value = metadata["order"] { payload.order?.metadata = value }
        if let value = metadata["changes"] { payload.changes?.metadata = .set(value) }
        return payload
    }

    /// The members whose `metadata` is the client's JSON.
    private static let metadataHolders = ["order", "changes"]

    /// The metadata the payload carries, by the member that holds it (`order`,
    /// `changes`). Foundation's coders would pass its numbers through
    /// `Decimal` (see JSON+Codable.swift), so `jsonString()` and `parse(_:)`
    /// write and read these with JSONWriter and JSONParser, digit for digit.
    private var metadata: [String: [String: JSON]] {
        var found: [String: [String: JSON]] = [:]
        if let metadata = order?.metadata { found["order"] = metadata }
        if case .set(let metadata)? = changes?.metadata { found["changes"] = metadata }
        return found
    }
}

/// One execution reported by the EMS.
public struct FillRecord: Sendable, Equatable, Codable {
    enum CodingKeys: String, CodingKey {
        case execId = "exec_id", quantity, price, placementId = "placement_id", executedAt = "executed_at"
    }

    /// The EMS's execution id; a repeat of it is answered with the order, not recorded again.
    public var execId: String
    /// The quantity executed, scale as given.
    public var quantity: ExactDecimal
    /// The execution price, scale as given.
    public var price: ExactDecimal
    /// The placement filled, if the EMS named one.
    public var placementId: String?
    /// When the execution happened at the venue.
    public var executedAt: Date

    /// A fill record with every field given.
    public init(execId: String, quantity: ExactDecimal, price: ExactDecimal, placementId: String? = nil, executedAt: Date) {
        self.execId = execId
        self.quantity = quantity
        self.price = price
        self.placementId = placementId
        self.executedAt = executedAt
    }
}

/// An immutable record of one change to an order.
public struct OrderEvent: Sendable, Equatable {
    /// The event's id in the order event stream.
    public var eventId: Int64
    /// The order changed.
    public var orderId: String
    /// The order's version after this event.
    public var sequence: Int
    /// The command that made the change.
    public var command: OrderCommand
    /// The state before (nil for the create event).
    public var fromState: OrderState?
    /// The state after.
    public var toState: OrderState
    /// The principal who ran the command.
    public var actorId: String
    /// The role it ran the command in.
    public var actorRole: Role
    /// What the command carried.
    public var payload: EventPayload
    /// When the change took effect.
    public var occurredAt: Date
    /// When the database recorded it.
    public var recordedAt: Date

    /// An event with every field given.
    public init(eventId: Int64, orderId: String, sequence: Int, command: OrderCommand, fromState: OrderState?,
                toState: OrderState, actorId: String, actorRole: Role, payload: EventPayload,
                occurredAt: Date, recordedAt: Date) {
        self.eventId = eventId
        self.orderId = orderId
        self.sequence = sequence
        self.command = command
        self.fromState = fromState
        self.toState = toState
        self.actorId = actorId
        self.actorRole = actorRole
        self.payload = payload
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
    }
}

extension JSONEncoder.DateEncodingStrategy {
    /// RFC 3339 UTC with fractional seconds, as everywhere on the wire.
    public static var iso8601WithFractions: Self {
        .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
    }
}

extension JSONDecoder.DateDecodingStrategy {
    /// Accepts RFC 3339 timestamps with or without fractional seconds.
    public static var iso8601WithFractions: Self {
        .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 timestamp: \(text)")
            }
            return date
        }
    }
}
