import OMSCore
import OMSProtocol

/// Readable tables for the CLI's default output.
enum Render {
    static func text(_ value: JSON?) -> String {
        guard let value else { return "" }
        switch value {
        case .string(let s): return s
        case .number(let n): return n
        case .bool(let b): return b ? "true" : "false"
        case .null: return "-"
        default: return value.serializedString
        }
    }

    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    static let orderColumns = ["order_id", "portfolio_id", "direction", "ordered_quantity", "executed_quantity", "state",
                               "created_at"]

    static func orderTable(_ orders: [JSON]) -> String {
        table(orderColumns.map { $0.uppercased() }, orders.map { order in orderColumns.map { text(order[$0]) } })
            + "\n(\(orders.count) order\(orders.count == 1 ? "" : "s"))"
    }

    static func orderLine(_ order: JSON) -> String {
        "\(text(order["order_id"])) \(text(order["state"])) executed \(text(order["executed_quantity"]))/\(text(order["ordered_quantity"])) v\(text(order["version"]))"
    }

    static func orderDetail(_ order: JSON) -> String {
        let keys = (order.objectValue?.keys.sorted()) ?? []
        let width = keys.map(\.count).max() ?? 0
        return keys.map { "\($0.padding(toLength: width, withPad: " ", startingAt: 0))  \(text(order[$0]))" }
            .joined(separator: "\n")
    }

    static func eventTable(_ events: [JSON]) -> String {
        let columns = ["sequence", "command", "from_state", "to_state", "actor_id", "occurred_at"]
        return table(columns.map { $0.uppercased() }, events.map { event in columns.map { text(event[$0]) } })
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
