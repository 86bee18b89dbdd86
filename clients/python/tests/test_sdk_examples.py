"""Every Python example of the published SDK page (tests/sdk_page.txt),
typed in as written, run against the demo data; the page's `# x -> y`
comments are checked as assertions.

Only what the page leaves to the reader is supplied: the client (address
and API key of the role that may call the method), the variables an example
uses (`order_id`, `order_id_1`, ...) bound to orders prepared for it, and
three placeholders that cannot exist literally on any server, replaced
textually and only where noted:

- `violations=[...]` (post-trade fail): the pre-trade example's list;
- `"INS-..."` (what-if): the demo's AAPL instrument id;
- `"R-001"` (headroom): the id the server gave the rule named
  "Max Position Size" (rule ids are assigned by the server).

`test_examples_are_verbatim` checks each example against the page text.
"""

import datetime as dt
import re
import textwrap
import threading
import unittest
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterable, Tuple

from oms_client import OMSClient

from .support import AAPL, VIOLATION, client_for, demo, require_method, unique, wait_until

# -- The examples, as on the page (indentation added where Python needs it) --

CREATE_ORDER = """
order_id = client.oms.create_order(
    portfolio_id="PORT-001",
    instrument_id="INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e",
    direction="Buy", # Buy | Sell | SellShort | BuyToCover
    ordered_quantity=1000,
    order_type="Limit", # Market | Limit | Stop | StopLimit | PreviouslyQuoted
    time_in_force="Day", # Day | GTC | IOC | FOK | GTD | AtTheOpen | AtTheClose
    limit_price=150.25, # required for Limit / StopLimit
)
"""

CLOSE_ORDER = """
result = client.oms.close_order(order_id=order_id)
# result.executed_quantity -> Decimal("750")
# result.unfilled_quantity -> Decimal("250")
"""

LIST_ORDERS = """
orders = client.oms.list_orders(
    portfolio_id="PORT-001",
    instrument_id="INS-01936d8a-...", # optional
    state="ROUTED", # optional
    direction="Buy", # optional
    created_after="2026-03-01", # optional
    created_before="2026-03-27", # optional
    limit=50, # default 100
    offset=0, # default 0
)
"""

CREATE_BASKET = """
basket_id = client.oms.create_basket(
    name="Tech Rebalance 2026-03-27",
    order_ids=[order_id_1, order_id_2, order_id_3],
)
"""

PASS_PRE_TRADE = """
# Compliance plugin passes pre-trade compliance
client.oms.pass_pre_trade_compliance(order_id=order_id)
"""

FAIL_PRE_TRADE = """
# Compliance plugin fails pre-trade compliance with violations
client.oms.fail_pre_trade_compliance(
    order_id=order_id,
    violations=[
        {"rule_id": "R-001", "rule_name": "Max Position Size", "severity": "HARD", "description": "Would exceed 5% single-name limit"},
    ],
)
"""

OVERRIDE_PRE_TRADE = """
# Authorized user overrides a failed check
override_id = client.oms.override_pre_trade_compliance(
    order_id=order_id,
    reason="CIO approved exception for concentrated position",
    approver_id="USER-0042",
)
"""

PASS_POST_TRADE = """
client.oms.pass_post_trade_compliance(order_id=order_id)
"""

FAIL_POST_TRADE = """
client.oms.fail_post_trade_compliance(order_id=order_id, violations=[...])
"""

OVERRIDE_POST_TRADE = """
override_id = client.oms.override_post_trade_compliance(
    order_id=order_id, reason="...", approver_id="USER-0042"
)
"""

WHAT_IF = """
results = client.oms.check_compliance_what_if(proposed_orders=[
    {"portfolio_id": "PORT-001", "instrument_id": "INS-...", "direction": "Buy", "ordered_quantity": 5000},
])
# results[0].passed -> False
# results[0].violations -> [...]
"""

HEADROOM = """
headroom = client.oms.query_compliance_headroom(
    portfolio_id="PORT-001",
    rule_id="R-001",
)
# headroom.current_value -> Decimal("3200000")
# headroom.limit_value -> Decimal("5000000")
# headroom.headroom -> Decimal("1800000")
# headroom.headroom_pct -> 0.36
"""

SUBSCRIBE_COMPLIANCE = """
for event in client.oms.subscribe_compliance(portfolio_id="PORT-001"):
    print(event.rule_id, event.event_type, event.severity)
"""

RULES = """
# Create a rule
rule_id = client.oms.create_rule(
    rule_type="concentration_limit",
    parameters={"max_pct": 0.05, "scope": "single_name"},
    target_accounts=["PORT-001", "PORT-002"],
    active=True,
)
# Update a rule (immutable fields: rule_id, deployment_id, created_by, created_at)
client.oms.update_rule(rule_id=rule_id, changes={"parameters": {"max_pct": 0.10}})
# Soft-delete a rule (sets active=False, record retained)
client.oms.delete_rule(rule_id=rule_id)
# Query rules
rules = client.oms.list_rules(portfolio_id="PORT-001", rule_type="concentration_limit")
"""

CREATE_ALLOCATION = """
allocation_id = client.oms.create_allocation(
    order_id=order_id,
    account_id="ACCT-001",
    portfolio_id="PORT-001",
    quantity=500,
)
"""

EXAMPLES = [CREATE_ORDER, CLOSE_ORDER, LIST_ORDERS, CREATE_BASKET, PASS_PRE_TRADE, FAIL_PRE_TRADE, OVERRIDE_PRE_TRADE,
            PASS_POST_TRADE, FAIL_POST_TRADE, OVERRIDE_POST_TRADE, WHAT_IF, HEADROOM, SUBSCRIBE_COMPLIANCE, RULES,
            CREATE_ALLOCATION]

PAGE = Path(__file__).with_name("sdk_page.txt")

_RESULT_COMMENT = re.compile(r"^#\s*(?P<expression>\S.*?)\s*->\s*(?P<expected>\S.*)$")


def normalized(text: str) -> list:
    return [line.strip() for line in text.splitlines() if line.strip()]


def run_example(source: str, client: OMSClient, replace: Iterable[Tuple[str, str]] = (), **variables: Any
                ) -> Dict[str, Any]:
    """Runs an example with `client` and `variables` bound; returns its namespace."""
    for old, new in replace:
        assert old in source, f"{old!r} not in the example"
        source = source.replace(old, new)
    namespace: Dict[str, Any] = {"client": client, "Decimal": Decimal, **variables}
    exec(compile(textwrap.dedent(source), "<SDK page example>", "exec"), namespace)
    return namespace


class SDKExampleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.demo = demo()

    def check_documented_results(self, source: str, namespace: Dict[str, Any]) -> int:
        """Asserts each `# expression -> expected` line of the example; returns how many."""
        checked = 0
        for line in source.splitlines():
            match = _RESULT_COMMENT.match(line.strip())
            if not match:
                continue
            actual = eval(match["expression"], namespace)
            if match["expected"] == "[...]":
                self.assertIsInstance(actual, list, match["expression"])
                self.assertTrue(actual, f"{match['expression']} is empty")
            else:
                expected = eval(match["expected"], {"Decimal": Decimal})
                self.assertEqual(actual, expected, match["expression"])
                self.assertIs(type(actual), type(expected), match["expression"])
            checked += 1
        return checked

    # -- the page itself ---------------------------------------------------

    def test_examples_are_verbatim(self) -> None:
        """Each example is on the SDK page, and in clients/python/README.md, as written."""
        for document in (PAGE, PAGE.parent.parent / "README.md"):
            text = normalized(document.read_text())
            for example in EXAMPLES:
                lines = normalized(example)
                found = any(text[i:i + len(lines)] == lines for i in range(len(text) - len(lines) + 1))
                self.assertTrue(found, f"not in {document.name} as written:\n{example}")

    # -- Order management ----------------------------------------------------

    def test_create_order(self) -> None:
        ns = run_example(CREATE_ORDER, self.demo.pm)
        order_id = ns["order_id"]
        self.assertIsInstance(order_id, str)
        order = self.demo.pm.oms.get_order(order_id=order_id)
        self.assertEqual(order.state, "CREATED")
        self.assertEqual(order.ordered_quantity, Decimal("1000"))
        self.assertEqual(order.limit_price, Decimal("150.25"))
        self.assertEqual((order.direction, order.order_type, order.time_in_force), ("Buy", "Limit", "Day"))

    def test_close_order(self) -> None:
        order_id = self.demo.partially_filled(fill=750)  # 1000 ordered, 750 filled
        ns = run_example(CLOSE_ORDER, self.demo.trader, order_id=order_id)
        self.assertEqual(self.check_documented_results(CLOSE_ORDER, ns), 2)
        self.assertEqual(self.demo.state(order_id), "CLOSED")

    def test_list_orders_as_written(self) -> None:
        # As written: an elided instrument id and a March 2026 window.
        ns = run_example(LIST_ORDERS, self.demo.pm)
        self.assertIsInstance(ns["orders"], list)
        for order in ns["orders"]:
            self.assertEqual((order.portfolio_id, order.state, order.direction), ("PORT-001", "ROUTED", "Buy"))

    def test_list_orders_filters(self) -> None:
        routed = [self.demo.routed(), self.demo.routed()]
        self.demo.with_trader()  # SENT_TO_TRADER: filtered out
        today = dt.datetime.now(dt.timezone.utc).date()
        ns = run_example(LIST_ORDERS, self.demo.pm, replace=[
            ('"INS-01936d8a-..."', repr(AAPL)),
            ('"2026-03-01"', repr((today - dt.timedelta(days=1)).isoformat())),
            ('"2026-03-27"', repr((today + dt.timedelta(days=1)).isoformat())),
        ])
        orders = ns["orders"]
        self.assertLessEqual(len(orders), 50)
        ids = [order.order_id for order in orders]
        self.assertEqual(ids[:2], list(reversed(routed)), "newest first")
        for order in orders:
            self.assertEqual((order.portfolio_id, order.instrument_id, order.state, order.direction),
                             ("PORT-001", AAPL, "ROUTED", "Buy"))
        created = [order.created_at for order in orders]
        self.assertEqual(created, sorted(created, reverse=True))

    # -- Baskets ---------------------------------------------------------------

    def test_create_basket(self) -> None:
        order_ids = [self.demo.created() for _ in range(3)]
        ns = run_example(CREATE_BASKET, self.demo.pm, order_id_1=order_ids[0], order_id_2=order_ids[1],
                         order_id_3=order_ids[2])
        basket = self.demo.pm.oms.get_basket(basket_id=ns["basket_id"])
        self.assertEqual(basket.name, "Tech Rebalance 2026-03-27")
        self.assertEqual(sorted(basket.order_ids), sorted(order_ids))

    # -- Compliance verdicts -----------------------------------------------------

    def test_pass_pre_trade_compliance(self) -> None:
        order_id = self.demo.pending_pre_trade()
        run_example(PASS_PRE_TRADE, self.demo.compliance, order_id=order_id)
        self.assertEqual(self.demo.state(order_id), "PRE_TRADE_COMPLIANCE_PASSED")

    def test_fail_pre_trade_compliance(self) -> None:
        order_id = self.demo.pending_pre_trade()
        run_example(FAIL_PRE_TRADE, self.demo.compliance, order_id=order_id)
        self.assertEqual(self.demo.state(order_id), "PRE_TRADE_COMPLIANCE_FAILED")

    def test_override_pre_trade_compliance(self) -> None:
        order_id = self.demo.failed_pre_trade()
        ns = run_example(OVERRIDE_PRE_TRADE, self.demo.compliance, order_id=order_id)
        self.assertIsInstance(ns["override_id"], str)
        self.assertTrue(ns["override_id"])
        self.assertEqual(self.demo.state(order_id), "PRE_TRADE_COMPLIANCE_PASSED")

    def test_pass_post_trade_compliance(self) -> None:
        order_id = self.demo.pending_post_trade()
        run_example(PASS_POST_TRADE, self.demo.compliance, order_id=order_id)
        self.assertEqual(self.demo.state(order_id), "POST_TRADE_COMPLIANCE_PASSED")

    def test_fail_post_trade_compliance(self) -> None:
        order_id = self.demo.pending_post_trade()
        # As written, `[...]` is Python's Ellipsis: the client refuses to send it.
        with self.assertRaisesRegex(TypeError, "placeholder"):
            run_example(FAIL_POST_TRADE, self.demo.compliance, order_id=order_id)
        self.assertEqual(self.demo.state(order_id), "PENDING_POST_TRADE_COMPLIANCE")
        run_example(FAIL_POST_TRADE, self.demo.compliance, replace=[("violations=[...]", "violations=violations")],
                    order_id=order_id, violations=[VIOLATION])
        self.assertEqual(self.demo.state(order_id), "POST_TRADE_COMPLIANCE_FAILED")

    def test_override_post_trade_compliance(self) -> None:
        order_id = self.demo.failed_post_trade()
        ns = run_example(OVERRIDE_POST_TRADE, self.demo.compliance, order_id=order_id)
        self.assertIsInstance(ns["override_id"], str)
        self.assertEqual(self.demo.state(order_id), "POST_TRADE_COMPLIANCE_PASSED")

    # -- Rules, what-if, headroom ------------------------------------------------

    def test_what_if(self) -> None:
        compliance = self.demo.compliance
        rule_id = compliance.oms.create_rule(rule_type="concentration_limit", name="Max Position Size",
                                             parameters={"max_pct": 0.05, "scope": "single_name"},
                                             target_accounts=["PORT-001"])
        try:
            ns = run_example(WHAT_IF, self.demo.pm, replace=[('"INS-..."', repr(AAPL))])
        finally:
            compliance.oms.delete_rule(rule_id=rule_id)
        self.assertEqual(self.check_documented_results(WHAT_IF, ns), 2)
        violation = ns["results"][0].violations[0]
        self.assertEqual((violation.rule_id, violation.severity), (rule_id, "HARD"))
        self.assertIsInstance(violation.description, str)

    def test_headroom(self) -> None:
        # "R-001" is the page's "Max Position Size" rule: a 5,000,000 limit on a
        # position of 3,200,000 (in an instrument of its own, priced at 0.01).
        admin, compliance = self.demo.admin, self.demo.compliance
        instrument = "INS-SDK-HEADROOM"
        try:
            admin.admin.create_instrument(instrument_id=instrument, symbol="HDRM")
        except Exception as error:
            if getattr(error, "code", None) != "ALREADY_EXISTS":
                raise
        admin.market.set_price(instrument_id=instrument, price="0.01")
        admin.admin.set_position(portfolio_id="PORT-001", instrument_id=instrument, quantity=3_200_000)
        rule_id = compliance.oms.create_rule(
            rule_type="max_position_quantity", name="Max Position Size",
            parameters={"max_quantity": 5_000_000, "instrument_id": instrument}, target_accounts=["PORT-001"])
        try:
            ns = run_example(HEADROOM, self.demo.pm, replace=[('"R-001"', repr(rule_id))])
        finally:
            compliance.oms.delete_rule(rule_id=rule_id)
            admin.admin.set_position(portfolio_id="PORT-001", instrument_id=instrument, quantity=0)
        self.assertEqual(self.check_documented_results(HEADROOM, ns), 4)

    def test_rules(self) -> None:
        ns = run_example(RULES, self.demo.compliance)
        rule_id = ns["rule_id"]
        self.assertIsInstance(rule_id, str)
        self.assertTrue(rule_id.startswith("RULE-"), rule_id)
        rules = {rule.rule_id: rule for rule in ns["rules"]}
        self.assertIn(rule_id, rules)
        rule = rules[rule_id]
        self.assertFalse(rule.active)
        self.assertEqual(rule.version, 3)
        self.assertEqual(rule.parameters.max_pct, Decimal("0.1"))
        self.assertEqual(rule.target_accounts, ["PORT-001", "PORT-002"])
        for listed in ns["rules"]:
            self.assertEqual(listed.rule_type, "concentration_limit")
            self.assertIn("PORT-001", listed.target_accounts)

    # -- Allocation ----------------------------------------------------------------

    def test_create_allocation(self) -> None:
        order_id = self.demo.closed()  # 750 executed
        ns = run_example(CREATE_ALLOCATION, self.demo.ops, order_id=order_id)
        allocation = self.demo.ops.oms.get_allocation(allocation_id=ns["allocation_id"])
        self.assertEqual((allocation.order_id, allocation.account_id, allocation.portfolio_id),
                         (order_id, "ACCT-001", "PORT-001"))
        self.assertEqual(allocation.quantity, Decimal("500"))

    # -- Subscriptions ---------------------------------------------------------------

    def test_subscribe_compliance(self) -> None:
        """The `for event in ...: print(...)` loop, run until the client is closed."""
        client = client_for("Compliance")
        self.addCleanup(client.close)
        require_method(self, client, "oms.subscribe_compliance")
        printed: list = []
        failure: list = []

        def capture(*args: Any) -> None:
            printed.append(args)

        def loop() -> None:
            try:
                run_example(SUBSCRIBE_COMPLIANCE, client, print=capture)
            except BaseException as error:  # reported below
                failure.append(error)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            wait_until(lambda: failure or any(s.subscription_id for s in client.subscriptions), 10,
                       "the example to subscribe")
            if failure:
                raise failure[0]
            failed = self.demo.failed_pre_trade()
            passed = self.demo.pending_pre_trade()
            self.demo.compliance.oms.pass_pre_trade_compliance(order_id=passed)
            rule_id = self.demo.compliance.oms.create_rule(
                rule_type="max_order_quantity", name=unique("sdk-subscribe"), parameters={"max_quantity": 1_000_000},
                target_accounts=["PORT-001"], severity="SOFT")
            self.demo.compliance.oms.delete_rule(rule_id=rule_id)
            # Other tests write rules of the same tenant meanwhile: wait for this rule's own events.
            wait_until(lambda: failure or ({"PRE_TRADE_FAILED", "PRE_TRADE_PASSED"} <= {args[1] for args in printed}
                                           and {(rule_id, "RULE_CREATED"), (rule_id, "RULE_DELETED")}
                                           <= {(args[0], args[1]) for args in printed}),
                       10, "the compliance events to be printed")
        finally:
            client.close()
            thread.join(5)
        self.assertFalse(thread.is_alive(), "the loop did not end when the client closed")
        if failure:
            raise failure[0]
        for args in printed:
            self.assertEqual(len(args), 3)
            self.assertIn(args[2], ("HARD", "SOFT", None))
        self.assertIn((rule_id, "RULE_CREATED"), [(args[0], args[1]) for args in printed])
        self.assertIn("HARD", [args[2] for args in printed if args[1] == "PRE_TRADE_FAILED"])
        del failed


if __name__ == "__main__":
    unittest.main()
