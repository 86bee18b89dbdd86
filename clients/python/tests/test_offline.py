"""Client mechanics against a scripted fake server (no OMS needed): answers
out of order, subscription delivery, resume after a drop or an OVERFLOW end,
and the value encoding."""

import datetime as dt
import random
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import oms_client
from oms_client import OMSClient, OMSObject
from oms_client.client import parse_address
from oms_client.values import decode_value, encode_json

from .fake_server import GOOD_KEY, FakeServer
from .support import wait_until


class FakeServerTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = FakeServer()
        self.addCleanup(self.server.close)
        self.client = OMSClient(address=self.server.address, api_key=GOOD_KEY, reconnect_timeout=5)
        self.addCleanup(self.client.close)

    def events(self, subscription, count: int) -> list:
        got = []
        for _ in range(count):
            event = subscription.poll(timeout=5)
            self.assertIsNotNone(event, f"only {len(got)} of {count} events arrived: {got}")
            got.append(event)
        return got


class CallTests(FakeServerTestCase):
    def test_answers_out_of_order_reach_their_callers(self) -> None:
        def call(n: int) -> int:
            return self.client.call("test.echo", n=n, delay=random.random() * 0.05).n

        with ThreadPoolExecutor(16) as pool:
            self.assertEqual(list(pool.map(call, range(200))), list(range(200)))
        self.assertEqual(self.client.connections_opened, 1)

    def test_reauthenticates_after_a_drop(self) -> None:
        self.assertEqual(self.client.session.principal_id, "p")
        self.server.drop()
        # Not a read and no idempotency key, yet safe: the client sees the close before sending.
        self.assertEqual(self.client.call("test.echo", n=1).n, 1)
        self.assertEqual(self.server.authentications, 2)

    def test_bad_key(self) -> None:
        with self.assertRaises(oms_client.Unauthenticated):
            OMSClient(address=self.server.address, api_key="bad")

    def test_timeout(self) -> None:
        with self.assertRaises(oms_client.RequestTimeout):
            self.client.call("test.echo", delay=1, timeout=0.1)


class SubscriptionTests(FakeServerTestCase):
    def test_events_in_order_with_attribute_access(self) -> None:
        subscription = self.client.oms.subscribe_compliance(portfolio_id="PORT-001")
        self.assertEqual(self.server.subscribe_requests(), [{"portfolio_id": "PORT-001"}])
        self.server.add_event(5, details={"current_value": "3200000", "limit_value": "5000000"})
        self.server.add_event(3, event_type="RULE_CREATED", severity=None)
        first, second = self.events(subscription, 2)
        self.assertEqual((first.rule_id, first.event_type, first.severity), ("R-001", "PRE_TRADE_FAILED", "HARD"))
        self.assertEqual(first.details.current_value, Decimal("3200000"))
        self.assertEqual((second.event_id, second.event_type, second.severity), (3, "RULE_CREATED", None))
        self.assertEqual(subscription.last_event_id, 3)

    def test_notifications_ahead_of_the_answer(self) -> None:
        for event_id in (1, 2, 3):
            self.server.add_event(event_id)
        self.server.notify_before_answer = True
        subscription = self.client.oms.subscribe_orders(after_event_id=1)
        self.assertEqual([e.event_id for e in self.events(subscription, 2)], [2, 3])

    def test_resume_after_a_dropped_connection(self) -> None:
        subscription = self.client.oms.subscribe_compliance(portfolio_id="PORT-001")
        # Commit order, not id order: the cursor is the last event received, not the largest id.
        for event_id in (10, 7, 12):
            self.server.add_event(event_id)
        self.assertEqual([e.event_id for e in self.events(subscription, 3)], [10, 7, 12])
        self.server.drop()
        wait_until(lambda: not self.client.connected, message="the client to see the drop")
        for event_id in (9, 15):
            self.server.add_event(event_id)  # while disconnected
        got = self.events(subscription, 2)
        self.assertEqual([e.event_id for e in got], [9, 15])
        self.assertEqual(self.server.subscribe_requests()[-1], {"portfolio_id": "PORT-001", "after_event_id": 12})
        self.assertEqual(subscription.resumed, 1)
        self.assertEqual(self.server.authentications, 2)
        self.server.add_event(16)
        self.assertEqual(self.events(subscription, 1)[0].event_id, 16)
        self.assertIsNone(subscription.poll(timeout=0.2), "no repeats")

    def test_resume_after_overflow(self) -> None:
        subscription = self.client.oms.subscribe_compliance()
        for event_id in (1, 2, 3):
            self.server.add_event(event_id)
        self.assertEqual(self.events(subscription, 1)[0].event_id, 1)
        self.server.end_subscriptions("OVERFLOW")
        self.server.add_event(4)  # no live subscription now: only a resubscribe sees it
        self.assertEqual([e.event_id for e in self.events(subscription, 3)], [2, 3, 4])
        self.assertEqual(self.server.subscribe_requests()[-1], {"after_event_id": 3})
        self.assertEqual(subscription.resumed, 1)
        self.assertEqual(self.client.connections_opened, 1, "OVERFLOW resubscribes on the same connection")
        self.assertIsNone(subscription.poll(timeout=0.2), "no repeats")

    def test_resume_after_a_drop_before_any_event(self) -> None:
        for event_id in (1, 2):
            self.server.add_event(event_id)
        subscription = self.client.oms.subscribe_orders(after_event_id=2)
        self.server.drop()
        self.server.add_event(3)
        self.assertEqual(self.events(subscription, 1)[0].event_id, 3)
        self.assertEqual(self.server.subscribe_requests()[-1], {"after_event_id": 2})

    def test_server_away_longer_than_the_reconnect_timeout(self) -> None:
        self.client.reconnect_timeout = 0.3
        subscription = self.client.oms.subscribe_compliance()
        self.server.add_event(1)
        self.assertEqual(self.events(subscription, 1)[0].event_id, 1)
        port = int(self.server.address.rsplit(":", 1)[1])
        self.server.close()
        with self.assertRaises(oms_client.Unavailable):
            subscription.poll(timeout=5)
        restarted = FakeServer(port=port)  # the same event log, as a restarted server has
        self.addCleanup(restarted.close)
        restarted.events = list(self.server.events)
        restarted.add_event(2)
        self.assertEqual(self.events(subscription, 1)[0].event_id, 2)
        self.assertEqual(restarted.subscribe_requests(), [{"after_event_id": 1}])

    def test_close_unsubscribes_and_stops(self) -> None:
        subscription = self.client.oms.subscribe_compliance()
        subscription_id = subscription.subscription_id
        subscription.close()
        self.assertIn(("oms.unsubscribe", {"subscription_id": subscription_id}), self.server.requests)
        with self.assertRaises(StopIteration):
            next(subscription)
        self.assertEqual(list(subscription), [])
        self.assertEqual(self.client.subscriptions, [])

    def test_context_manager(self) -> None:
        with self.client.oms.subscribe_compliance() as events:
            self.server.add_event(1)
            self.assertEqual(next(events).event_id, 1)
        self.assertTrue(events.closed)

    def test_closing_the_client_ends_a_blocked_loop(self) -> None:
        seen = []
        subscription = self.client.oms.subscribe_compliance()

        def loop() -> None:
            for event in subscription:
                seen.append(event.event_id)

        thread = threading.Thread(target=loop)
        thread.start()
        self.server.add_event(1)
        wait_until(lambda: seen == [1], message="the event")
        self.client.close()
        thread.join(5)
        self.assertFalse(thread.is_alive())

    def test_subscribe_refused(self) -> None:
        with self.assertRaises(oms_client.PermissionDenied) as raised:
            self.client.oms.subscribe_compliance(portfolio_id="DENIED")
        self.assertEqual(raised.exception.data.portfolio_id, "DENIED")
        self.assertEqual(self.client.subscriptions, [])


class ValueTests(unittest.TestCase):
    def test_encoding(self) -> None:
        self.assertEqual(encode_json({"q": Decimal("1000"), "p": 150.25, "i": 3, "b": True, "n": None}),
                         '{"q":1000,"p":150.25,"i":3,"b":true,"n":null}')
        self.assertEqual(encode_json([Decimal("1E+3"), 1e20, 0.1 + 0.2, Decimal("0.000")]),
                         "[1000,100000000000000000000,0.30000000000000004,0.000]")
        self.assertEqual(encode_json({"t": dt.datetime(2026, 3, 27, 14, 5, 9, 123456)}),
                         '{"t":"2026-03-27T14:05:09.123456Z"}')
        east = dt.timezone(dt.timedelta(hours=2))
        self.assertEqual(encode_json(dt.datetime(2026, 3, 27, 16, 0, tzinfo=east)), '"2026-03-27T14:00:00.000000Z"')
        self.assertEqual(encode_json(dt.date(2026, 3, 1)), '"2026-03-01"')
        self.assertEqual(encode_json({"s": "é\n"}), '{"s":"é\\n"}')
        with self.assertRaisesRegex(TypeError, "placeholder"):
            encode_json({"violations": [...]})
        for bad in (float("nan"), Decimal("Infinity")):
            with self.assertRaises(ValueError):
                encode_json(bad)
        with self.assertRaises(TypeError):
            encode_json({1: "x"})

    def test_decoding(self) -> None:
        value = decode_value({"order_id": "ORD-1", "ordered_quantity": "1000", "limit_price": None,
                              "metadata": {"quantity": "7"}, "parameters": {"max_pct": "0.05", "scope": "single_name"},
                              "quantities": ["1", "2"], "version": 3, "headroom_pct": 0.36, "price": "n/a"})
        self.assertIsInstance(value, OMSObject)
        self.assertEqual(value.ordered_quantity, Decimal("1000"))
        self.assertEqual(value.metadata, {"quantity": "7"})  # user data untouched
        self.assertEqual(value.parameters.max_pct, Decimal("0.05"))
        self.assertEqual(value.quantities, [Decimal(1), Decimal(2)])
        self.assertEqual((value.version, value.headroom_pct, value.price), (3, 0.36, "n/a"))
        with self.assertRaises(AttributeError):
            value.missing
        with self.assertRaises(AttributeError):
            value.order_id = "x"

    def test_addresses(self) -> None:
        self.assertEqual(parse_address("127.0.0.1:9191"), ("127.0.0.1", 9191))
        self.assertEqual(parse_address("oms.example"), ("oms.example", 9191))
        self.assertEqual(parse_address("tcp://h:1234/"), ("h", 1234))
        self.assertEqual(parse_address("[::1]:9000"), ("::1", 9000))
        with self.assertRaises(ValueError):
            parse_address("h:port")


if __name__ == "__main__":
    unittest.main()
