import ArgumentParser
import Foundation
import OMSCore
import OMSProtocol

/// `oms order …`: order commands for humans and scripts.
struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order", abstract: "Create, move and inspect orders through a running server.",
        subcommands: [Create.self, Get.self, List.self, History.self, Step.self, Place.self, Fill.self, Close.self,
                      Cancel.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an order (PM).")
        @OptionGroup var client: ClientOptions
        @Option var portfolio: String
        @Option var instrument: String
        @Option(help: "Buy, Sell, SellShort, BuyToCover") var direction: String
        @Option var quantity: String
        @Option(help: "Market, Limit, Stop, StopLimit, PreviouslyQuoted") var type: String = "Limit"
        @Option(help: "Day, GTC, IOC, FOK, GTD, AtTheOpen, AtTheClose") var tif: String = "Day"
        @Option(name: .customLong("limit-price")) var limitPrice: String?
        @Option(name: .customLong("stop-price")) var stopPrice: String?
        @Option(name: .customLong("expire-at")) var expireAt: String?
        @Option(name: .customLong("client-order-id")) var clientOrderId: String?
        @Option(name: .customLong("idempotency-key")) var idempotencyKey: String?

        func run() async throws {
            var params: [String: JSON] = [
                "portfolio_id": .string(portfolio), "instrument_id": .string(instrument), "direction": .string(direction),
                "ordered_quantity": .string(quantity), "order_type": .string(type), "time_in_force": .string(tif),
            ]
            params["limit_price"] = limitPrice.map(JSON.string)
            params["stop_price"] = stopPrice.map(JSON.string)
            params["expire_at"] = expireAt.map(JSON.string)
            params["client_order_id"] = clientOrderId.map(JSON.string)
            params["idempotency_key"] = idempotencyKey.map(JSON.string)
            try await client.call("oms.create_order", params) { $0["order_id"]?.stringValue ?? $0.serializedString }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one order.")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        func run() async throws {
            try await client.call("oms.get_order", ["order_id": .string(orderId)], render: Render.orderDetail)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List orders, newest first.")
        @OptionGroup var client: ClientOptions
        @Option var portfolio: String?
        @Option var instrument: String?
        @Option var state: String?
        @Option var direction: String?
        @Option(name: .customLong("created-after")) var createdAfter: String?
        @Option(name: .customLong("created-before")) var createdBefore: String?
        @Option var limit: Int = 100
        @Option var offset: Int = 0
        func run() async throws {
            var params: [String: JSON] = ["limit": .int(limit), "offset": .int(offset)]
            params["portfolio_id"] = portfolio.map(JSON.string)
            params["instrument_id"] = instrument.map(JSON.string)
            params["state"] = state.map(JSON.string)
            params["direction"] = direction.map(JSON.string)
            params["created_after"] = createdAfter.map(JSON.string)
            params["created_before"] = createdBefore.map(JSON.string)
            try await client.call("oms.list_orders", params) { Render.orderTable($0["orders"]?.arrayValue ?? []) }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an order's events, oldest first.")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        func run() async throws {
            try await client.call("oms.get_order_history", ["order_id": .string(orderId)]) {
                Render.eventTable($0["events"]?.arrayValue ?? [])
            }
        }
    }

    struct Step: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a lifecycle command on an order, e.g. `step send_to_trader ID`.",
            discussion: """
                Commands: request_pre_trade_compliance, pass_pre_trade_compliance, fail_pre_trade_compliance, \
                override_pre_trade_compliance, send_to_trader, send_to_operations, request_post_trade_compliance, \
                pass_post_trade_compliance, fail_post_trade_compliance, override_post_trade_compliance, confirm_order, \
                settle_order, reconcile_order, reject_order. Extra params as key=value (e.g. reason=..., approver_id=...).
                """)
        @OptionGroup var client: ClientOptions
        @Argument var command: String
        @Argument var orderId: String
        @Argument(help: "Extra params as key=value.") var extra: [String] = []
        func run() async throws {
            var params = try parseParams(extra)
            params["order_id"] = .string(orderId)
            let method = command.contains(".") ? command : "oms." + command.replacingOccurrences(of: "-", with: "_")
            try await client.call(method, params) { result in
                result["override_id"].map { "override \($0.stringValue ?? "")" } ?? Render.orderLine(result)
            }
        }
    }

    struct Place: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a placement at a venue (Trader).")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        @Option var venue: String
        @Option var quantity: String
        func run() async throws {
            try await client.call("ems.create_placement", ["order_id": .string(orderId), "venue": .string(venue),
                                                           "quantity": .string(quantity)]) {
                $0["placement_id"]?.stringValue ?? $0.serializedString
            }
        }
    }

    struct Fill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a fill (Trader or System).")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        @Option(name: .customLong("exec-id")) var execId: String
        @Option var quantity: String
        @Option var price: String
        @Option(name: .customLong("placement-id")) var placementId: String?
        func run() async throws {
            var params: [String: JSON] = ["order_id": .string(orderId), "exec_id": .string(execId),
                                          "quantity": .string(quantity), "price": .string(price)]
            params["placement_id"] = placementId.map(JSON.string)
            try await client.call("ems.record_fill", params, render: Render.orderLine)
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an order (Trader).")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        func run() async throws {
            try await client.call("oms.close_order", ["order_id": .string(orderId)]) {
                "closed \(orderId): executed \($0["executed_quantity"]?.stringValue ?? "?"), unfilled \($0["unfilled_quantity"]?.stringValue ?? "?")"
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel an order (PM before trading, Trader while unfilled).")
        @OptionGroup var client: ClientOptions
        @Argument var orderId: String
        @Option var reason: String?
        func run() async throws {
            var params: [String: JSON] = ["order_id": .string(orderId)]
            params["reason"] = reason.map(JSON.string)
            try await client.call("oms.cancel_order", params, render: Render.orderLine)
        }
    }
}

/// `oms call METHOD key=value…`: any catalogue method.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call any JSON-RPC method; prints the JSON result (see `oms call rpc.discover`).")
    @OptionGroup var client: ClientOptions
    @Argument var method: String
    @Argument(help: "Params as key=value; values that parse as JSON are used as JSON.") var params: [String] = []
    func run() async throws {
        let params = try parseParams(self.params)
        let result = try await client.withClient { try await $0.call(method, params) }
        print(result.serializedString)
    }
}
