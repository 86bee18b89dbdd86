import Foundation
import OMSCore
import OMSProtocol

/// Reads `update_order`'s `changes` object: only known fields, each of the
/// right type; JSON null clears an optional field.
enum OrderChangesDecoder {
    static let fields = ["ordered_quantity", "limit_price", "stop_price", "time_in_force", "expire_at",
                         "counterparty_id", "metadata"]

    /// The new metadata object, if `changes` sets one: its size is checked
    /// before anything else about the changes.
    static func metadata(in object: [String: JSON]) -> [String: JSON]? {
        object["metadata"]?.objectValue
    }

    static func decode(_ object: [String: JSON]) throws -> OrderChanges {
        if let refusal = RPCError.unknownChange(in: object, known: fields) { throw refusal }
        func bad(_ field: String, _ what: String) -> RPCError {
            .invalidParams("changes.\(field) must be \(what)", field: "changes.\(field)")
        }
        func decimal(_ field: String) throws -> FieldPatch<ExactDecimal>? {
            guard let value = object[field] else { return nil }
            if value.isNull { return .clear }
            guard let decimal = value.exactDecimalValue else { throw bad(field, "a decimal or null") }
            return .set(decimal)
        }
        var changes = OrderChanges()
        if let value = object["ordered_quantity"] {
            guard let quantity = value.exactDecimalValue else { throw bad("ordered_quantity", "a decimal") }
            changes.orderedQuantity = quantity
        }
        changes.limitPrice = try decimal("limit_price")
        changes.stopPrice = try decimal("stop_price")
        if let value = object["time_in_force"] {
            guard let tif = value.stringValue.flatMap(TimeInForce.init(rawValue:)) else {
                throw bad("time_in_force", TimeInForce.allCases.map(\.rawValue).joined(separator: ", "))
            }
            changes.timeInForce = tif
        }
        if let value = object["expire_at"] {
            if value.isNull {
                changes.expireAt = .clear
            } else {
                guard let date = value.stringValue.flatMap(Timestamp.parse) else { throw bad("expire_at", "a timestamp or null") }
                changes.expireAt = .set(date)
            }
        }
        if let value = object["counterparty_id"] {
            if value.isNull {
                changes.counterpartyId = .clear
            } else {
                guard let text = value.stringValue else { throw bad("counterparty_id", "a string or null") }
                try OrderValidation.requireIdentifier(text, field: "changes.counterparty_id")
                changes.counterpartyId = .set(text)
            }
        }
        if let value = object["metadata"] {
            if value.isNull {
                changes.metadata = .clear
            } else {
                guard let members = value.objectValue else { throw bad("metadata", "an object or null") }
                changes.metadata = .set(members)
            }
        }
        return changes
    }
}
