"""The server's method catalogue as the client knows it: names, parameters, result unwrapping."""

from typing import Dict

#: The methods of the server's catalogue (``rpc.discover`` is the live list)
#: with their parameters, for ``dir()`` and ``help()``. Any other name is
#: sent as is, so methods added to the server work without a new client.
KNOWN_METHODS: Dict[str, str] = {
    "oms.create_order": "portfolio_id, instrument_id, direction, ordered_quantity, order_type, time_in_force, "
    "[limit_price, stop_price, expire_at, basket_id, counterparty_id, metadata, client_order_id] -> order_id",
    "oms.update_order": "order_id, changes -> order",
    "oms.cancel_order": "order_id, [reason] -> order",
    "oms.close_order": "order_id, [create_remainder] -> {order_id, executed_quantity, unfilled_quantity, order}",
    "oms.get_order": "order_id -> order",
    "oms.list_orders": "[portfolio_id, instrument_id, state, direction, basket_id, created_after, created_before, "
    "limit, offset] -> [order]",
    "oms.get_order_history": "order_id -> [event]",
    "oms.list_order_links": "order_id -> [link]",
    "oms.request_pre_trade_compliance": "order_id -> order",
    "oms.pass_pre_trade_compliance": "order_id -> order",
    "oms.fail_pre_trade_compliance": "order_id, violations -> order",
    "oms.override_pre_trade_compliance": "order_id, reason, approver_id -> override_id",
    "oms.request_post_trade_compliance": "order_id -> order",
    "oms.pass_post_trade_compliance": "order_id -> order",
    "oms.fail_post_trade_compliance": "order_id, violations -> order",
    "oms.override_post_trade_compliance": "order_id, reason, approver_id -> override_id",
    "oms.send_to_trader": "order_id or basket_id -> order (or {basket_id, orders})",
    "oms.send_to_operations": "order_id -> order",
    "oms.confirm_order": "order_id -> order",
    "oms.settle_order": "order_id -> order",
    "oms.reconcile_order": "order_id -> order",
    "oms.reject_order": "order_id, reason -> order",
    "oms.create_basket": "name, order_ids -> basket_id",
    "oms.get_basket": "basket_id -> basket",
    "oms.merge_orders": "order_ids -> order_id",
    "oms.split_order": "order_id, quantities -> [order_id]",
    "oms.create_allocation": "order_id, account_id, portfolio_id, quantity -> allocation_id",
    "oms.update_allocation": "allocation_id, changes -> allocation",
    "oms.get_allocation": "allocation_id -> allocation",
    "oms.list_allocations": "order_id -> [allocation]",
    "oms.create_rule": "rule_type, parameters, target_accounts, [active, name, severity, deployment_id] -> rule_id",
    "oms.update_rule": "rule_id, changes -> rule",
    "oms.delete_rule": "rule_id -> rule",
    "oms.list_rules": "[portfolio_id, rule_type, active] -> [rule]",
    "oms.check_compliance_what_if": "proposed_orders -> [{passed, violations}]",
    "oms.query_compliance_headroom": "portfolio_id, rule_id, [instrument_id] -> "
    "{current_value, limit_value, headroom, headroom_pct, unit, measured}",
    "oms.subscribe_compliance": "[portfolio_id, after_event_id] -> Subscription (iterator of compliance events)",
    "oms.subscribe_orders": "[portfolio_id, after_event_id] -> Subscription (iterator of order events)",
    "oms.unsubscribe": "subscription_id -> {ok}",
    "ems.create_placement": "order_id, venue, quantity, [broker_id, strategy] -> placement_id",
    "ems.cancel_placement": "placement_id -> placement",
    "ems.record_fill": "order_id, exec_id, quantity, price, [placement_id, executed_at] -> order",
    "ems.list_placements": "order_id -> [placement]",
    "admin.create_principal": "principal_id, role, [portfolio_ids, display_name] -> principal",
    "admin.create_api_key": "principal_id -> {api_key, key_id, principal_id}",
    "admin.revoke_api_key": "key_id -> {ok}",
    "admin.disable_principal": "principal_id -> principal",
    "admin.enable_principal": "principal_id -> principal",
    "admin.create_portfolio": "portfolio_id, name, [base_currency, cash] -> portfolio",
    "admin.create_account": "account_id, portfolio_id, [name] -> account",
    "admin.create_instrument": "instrument_id, symbol, [currency, issuer, sector] -> instrument",
    "admin.set_position": "portfolio_id, instrument_id, quantity -> position",
    "market.set_price": "instrument_id, price, [as_of] -> price",
}

#: Where the SDK page returns a single value, the result member returned.
UNWRAP: Dict[str, str] = {
    "oms.create_order": "order_id",
    "oms.create_basket": "basket_id",
    "oms.merge_orders": "order_id",
    "oms.split_order": "order_ids",
    "oms.override_pre_trade_compliance": "override_id",
    "oms.override_post_trade_compliance": "override_id",
    "oms.create_rule": "rule_id",
    "oms.create_allocation": "allocation_id",
    "ems.create_placement": "placement_id",
    "oms.list_orders": "orders",
    "oms.get_order_history": "events",
    "oms.list_order_links": "links",
    "oms.list_allocations": "allocations",
    "oms.list_rules": "rules",
    "ems.list_placements": "placements",
    "oms.check_compliance_what_if": "results",
}

SUBSCRIBE_METHODS = frozenset({"oms.subscribe_compliance", "oms.subscribe_orders"})
SUBSCRIPTION_ENDED = "oms.subscription_ended"
