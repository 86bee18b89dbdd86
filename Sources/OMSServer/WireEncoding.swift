import Foundation
import OMSCore
import OMSProtocol
import OMSStore

/// Domain values as wire JSON: snake_case names, decimals as strings,
/// timestamps RFC 3339 UTC, absent optionals as null.
enum Wire {
    static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
    static func optional(_ value: ExactDecimal?) -> JSON { value.map(JSON.decimal) ?? .null }
    static func optional(_ value: Date?) -> JSON { value.map(JSON.date) ?? .null }

    static func order(_ order: Order) -> JSON {
        .object([
            "order_id": .string(order.orderId),
            "tenant_id": .string(order.tenantId),
            "portfolio_id": .string(order.portfolioId),
            "instrument_id": .string(order.instrumentId),
            "direction": .string(order.direction.rawValue),
            "order_type": .string(order.orderType.rawValue),
            "time_in_force": .string(order.timeInForce.rawValue),
            "ordered_quantity": .decimal(order.orderedQuantity),
            "limit_price": optional(order.limitPrice),
            "stop_price": optional(order.stopPrice),
            "expire_at": optional(order.expireAt),
            "executed_quantity": .decimal(order.executedQuantity),
            "unfilled_quantity": .decimal(order.unfilledQuantity),
            "state": .string(order.state.rawValue),
            "owner": .string(order.owner.rawValue),
            "basket_id": optional(order.basketId),
            "counterparty_id": optional(order.counterpartyId),
            "metadata": order.metadata.map(JSON.object) ?? .null,
            "client_order_id": optional(order.clientOrderId),
            "cancel_reason": optional(order.cancelReason),
            "created_by": .string(order.createdBy),
            "version": .int(order.version),
            "created_at": .date(order.createdAt),
            "updated_at": .date(order.updatedAt),
        ])
    }

    /// An order event; `storedPayload` is its payload as stored, sent with its
    /// decimals as strings like everywhere else on the wire.
    static func event(_ event: OrderEvent, storedPayload: String? = nil) -> JSON {
        let parsed = (try? JSONParser.parse(storedPayload ?? event.payload.jsonString())) ?? .object([:])
        let payload = decimalsAsStrings(parsed)
        return .object([
            "event_id": .int(Int(event.eventId)),
            "order_id": .string(event.orderId),
            "sequence": .int(event.sequence),
            "command": .string(event.command.rawValue),
            "from_state": optional(event.fromState?.rawValue),
            "to_state": .string(event.toState.rawValue),
            "actor_id": .string(event.actorId),
            "actor_role": .string(event.actorRole.rawValue),
            "payload": payload,
            "occurred_at": .date(event.occurredAt),
            "recorded_at": .date(event.recordedAt),
        ])
    }

    /// The payload members that hold decimals. Payloads are stored with them
    /// as JSON numbers (EventPayload is JSONEncoder-encoded); the number's text
    /// is sent as a string, digit for digit.
    static let payloadDecimalKeys: Set<String> = [
        "ordered_quantity", "limit_price", "stop_price", "executed_quantity", "filled_quantity", "quantity", "price",
    ]

    /// `json` with every number under a decimal key turned into a string,
    /// except inside `metadata`, which is the client's own JSON.
    static func decimalsAsStrings(_ json: JSON) -> JSON {
        switch json {
        case .array(let elements):
            return .array(elements.map(decimalsAsStrings))
        case .object(let members):
            var converted: [String: JSON] = [:]
            for (key, value) in members {
                switch value {
                case .number(let text) where payloadDecimalKeys.contains(key):
                    converted[key] = .string(text)
                case _ where key == "metadata":
                    converted[key] = value
                default:
                    converted[key] = decimalsAsStrings(value)
                }
            }
            return .object(converted)
        default:
            return json
        }
    }

    static func placement(_ placement: Placement) -> JSON {
        .object([
            "placement_id": .string(placement.placementId),
            "order_id": .string(placement.orderId),
            "venue": .string(placement.venue),
            "broker_id": optional(placement.brokerId),
            "strategy": optional(placement.strategy),
            "quantity": .decimal(placement.quantity),
            "filled_quantity": .decimal(placement.filledQuantity),
            "state": .string(placement.state.rawValue),
            "created_at": .date(placement.createdAt),
        ])
    }

    static func basket(_ basket: Basket) -> JSON {
        .object([
            "basket_id": .string(basket.basketId),
            "name": .string(basket.name),
            "order_ids": .array(basket.orderIds.map(JSON.string)),
            "created_by": .string(basket.createdBy),
            "created_at": .date(basket.createdAt),
        ])
    }

    static func allocation(_ allocation: Allocation) -> JSON {
        .object([
            "allocation_id": .string(allocation.allocationId),
            "order_id": .string(allocation.orderId),
            "account_id": .string(allocation.accountId),
            "portfolio_id": .string(allocation.portfolioId),
            "quantity": .decimal(allocation.quantity),
            "created_by": .string(allocation.createdBy),
            "version": .int(allocation.version),
            "created_at": .date(allocation.createdAt),
            "updated_at": .date(allocation.updatedAt),
        ])
    }

    static func link(_ link: OrderLink) -> JSON {
        .object([
            "source_order_id": .string(link.sourceOrderId),
            "target_order_id": .string(link.targetOrderId),
            "kind": .string(link.kind),
            "created_at": .date(link.createdAt),
        ])
    }
}
