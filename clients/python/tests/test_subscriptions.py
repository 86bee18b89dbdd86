"""Subscriptions against the running server: compliance and order events,
resuming after a dropped connection without gaps or repeats, replay from
after_event_id, and unsubscribing."""

import os
import unittest

from .support import Proxy, client_for, demo, require_method, unique


class SubscriptionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.demo = demo()

    def setUp(self) -> None:
        require_method(self, self.demo.pm, "oms.subscribe_orders")
        require_method(self, self.demo.pm, "oms.subscribe_compliance")

    def collect(self, subscription, predicate, limit: int = 200, timeout: float = 10.0) -> list:
        """Events until `predicate(events)` holds."""
        events: list = []
        while not predicate(events):
            event = subscription.poll(timeout=timeout)
            self.assertIsNotNone(event, f"no further event within {timeout}s; got {[(e.event_type if 'event_type' in e else e.get('command'), e.get('order_id')) for e in events]}")
            events.append(event)
            self.assertLess(len(events), limit)
        return events

    def test_compliance_events(self) -> None:
        client = client_for("Compliance")
        self.addCleanup(client.close)
        events = client.oms.subscribe_compliance(portfolio_id="PORT-001")
        failed = self.demo.failed_pre_trade()
        passed = self.demo.pending_pre_trade()
        self.demo.compliance.oms.pass_pre_trade_compliance(order_id=passed)
        got = self.collect(events, lambda es: {failed, passed} <= {e.order_id for e in es})
        by_order = {e.order_id: e for e in got if e.order_id in (failed, passed)}
        self.assertEqual(by_order[failed].event_type, "PRE_TRADE_FAILED")
        self.assertEqual(by_order[failed].severity, "HARD")
        self.assertEqual(by_order[passed].event_type, "PRE_TRADE_PASSED")
        for event in got:
            # portfolio_id is null for a rule targeting several portfolios; portfolio_ids lists them.
            self.assertIn("PORT-001", event.get("portfolio_ids") or [event.portfolio_id])
            self.assertIsInstance(event.event_id, int)
            self.assertIsInstance(event.details, dict)
            self.assertTrue(event.occurred_at.endswith("Z"))

    def test_rule_events(self) -> None:
        client = client_for("Compliance")
        self.addCleanup(client.close)
        events = client.oms.subscribe_compliance(portfolio_id="PORT-002")
        rule_id = self.demo.compliance.oms.create_rule(rule_type="max_order_quantity", name=unique("sub"),
                                                       parameters={"max_quantity": 1_000_000},
                                                       target_accounts=["PORT-002"])
        self.demo.compliance.oms.update_rule(rule_id=rule_id, changes={"severity": "SOFT"})
        self.demo.compliance.oms.delete_rule(rule_id=rule_id)
        got = self.collect(events, lambda es: len([e for e in es if e.rule_id == rule_id]) >= 3)
        self.assertEqual([e.event_type for e in got if e.rule_id == rule_id],
                         ["RULE_CREATED", "RULE_UPDATED", "RULE_DELETED"])

    def test_order_events(self) -> None:
        pm = client_for("PM")
        self.addCleanup(pm.close)
        events = pm.oms.subscribe_orders(portfolio_id="PORT-001")
        order_id = self.demo.pending_pre_trade()
        got = [e for e in self.collect(events, lambda es: len([e for e in es if e.order_id == order_id]) >= 2)
               if e.order_id == order_id]
        self.assertEqual([(e.command, e.to_state) for e in got],
                         [("create_order", "CREATED"), ("request_pre_trade_compliance", "PENDING_PRE_TRADE_COMPLIANCE")])
        self.assertEqual([e.sequence for e in got], [1, 2])
        self.assertEqual(got[0].portfolio_id, "PORT-001")
        self.demo.created(portfolio_id="PORT-002")  # another portfolio: filtered out
        other = self.demo.created()
        rest = self.collect(events, lambda es: any(e.order_id == other for e in es))
        self.assertEqual({e.portfolio_id for e in rest}, {"PORT-001"})

    def test_resume_after_a_dropped_connection(self) -> None:
        proxy = Proxy()
        self.addCleanup(proxy.close)
        pm = client_for("PM", address=proxy.address)
        self.addCleanup(pm.close)
        events = pm.oms.subscribe_orders(portfolio_id="PORT-001")
        before = self.demo.created()
        seen = self.collect(events, lambda es: any(e.order_id == before for e in es))
        proxy.drop()
        during = [self.demo.created() for _ in range(3)]  # committed while the subscriber is away
        seen += self.collect(events, lambda es: set(during) <= {e.order_id for e in es})
        after = self.demo.created()
        seen += self.collect(events, lambda es: any(e.order_id == after for e in es))
        ids = [e.event_id for e in seen]
        self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
        creates = [e.order_id for e in seen if e.command == "create_order" and e.order_id in during + [after]]
        self.assertEqual(creates, during + [after], "events out of order or missing")
        self.assertGreaterEqual(events.resumed, 1)
        self.assertGreaterEqual(proxy.accepted, 2)

    def test_replay_after_event_id(self) -> None:
        pm = client_for("PM")
        self.addCleanup(pm.close)
        live = pm.oms.subscribe_orders(portfolio_id="PORT-001")
        orders = [self.demo.created() for _ in range(3)]
        first = self.collect(live, lambda es: set(orders) <= {e.order_id for e in es})
        cursor = next(e for e in first if e.order_id == orders[0]).event_id
        expected = [e.event_id for e in first[[e.event_id for e in first].index(cursor) + 1:]]
        replay = pm.oms.subscribe_orders(portfolio_id="PORT-001", after_event_id=cursor)
        again = self.collect(replay, lambda es: len(es) >= len(expected))
        self.assertEqual([e.event_id for e in again], expected)

    def test_replay_longer_than_the_server_buffer(self) -> None:
        """Catching up on more events than the server buffers per subscription:
        the server ends it (OVERFLOW) and the client resumes, without gaps or repeats."""
        buffer = int(os.environ.get("OMS_TEST_SUBSCRIPTION_BUFFER", "0"))
        count = max(3 * buffer, 30)
        pm = client_for("PM")
        self.addCleanup(pm.close)
        start = self.demo.created()
        cursor = pm.oms.get_order_history(order_id=start)[0].event_id
        orders = [self.demo.created() for _ in range(count)]
        events = pm.oms.subscribe_orders(portfolio_id="PORT-001", after_event_id=cursor)
        got = self.collect(events, lambda es: orders[-1] in {e.order_id for e in es}, limit=count + 50)
        mine = [e.order_id for e in got if e.order_id in set(orders)]
        self.assertEqual(mine, orders)
        self.assertEqual(len({e.event_id for e in got}), len(got), "an event was delivered twice")
        if buffer:  # `swift test` runs the server with this buffer
            self.assertGreaterEqual(events.resumed, 1, f"{count} events did not overflow a buffer of {buffer}")

    def test_unsubscribe(self) -> None:
        pm = client_for("PM")
        self.addCleanup(pm.close)
        events = pm.oms.subscribe_orders()
        self.assertTrue(events.subscription_id.startswith("SUB-"), events.subscription_id)
        events.close()
        self.assertEqual(list(events), [])
        self.assertEqual(pm.subscriptions, [])
        self.demo.created()
        self.assertEqual(pm.oms.get_order(order_id=self.demo.created()).state, "CREATED")  # connection still fine


if __name__ == "__main__":
    unittest.main()
