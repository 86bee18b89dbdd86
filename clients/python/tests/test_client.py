"""The client against the running server: values in and out, result shapes,
threads sharing one client, and reconnecting after a dropped connection."""

import os
import socket
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from unittest import mock

import oms_client
from oms_client import OMSClient, OMSObject

from .support import ADDRESS, AAPL, Proxy, api_key, client_for, demo, unique


class ValueTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.demo = demo()

    def test_decimals_in_and_out(self) -> None:
        for quantity, price in [(1000, 150.25), (Decimal("1000.5"), Decimal("150.2500")), ("10", "0.1"),
                                (0.1 + 0.4, 1e2)]:
            order_id = self.demo.created(quantity=quantity, limit_price=price)
            order = self.demo.pm.oms.get_order(order_id=order_id)
            self.assertIsInstance(order.ordered_quantity, Decimal)
            self.assertIsInstance(order.limit_price, Decimal)
            self.assertEqual(order.ordered_quantity, Decimal(repr(quantity)) if isinstance(quantity, float)
                             else Decimal(quantity))
            self.assertEqual(order.limit_price, Decimal(repr(price)) if isinstance(price, float) else Decimal(price))
            self.assertEqual(order.executed_quantity, Decimal(0))
        # A float is sent exactly as its repr, so 0.1 + 0.2 is 0.30000000000000004:
        # more decimal places than a quantity has (docs/api.md, "Numeric domain").
        with self.assertRaises(oms_client.InvalidArgument):
            self.demo.created(quantity=0.1 + 0.2, limit_price=1e2)

    def test_result_shapes(self) -> None:
        d = self.demo
        order_id = d.created()
        self.assertIsInstance(order_id, str)
        order = d.pm.oms.get_order(order_id=order_id)
        self.assertIsInstance(order, OMSObject)
        self.assertEqual(order["order_id"], order.order_id)
        self.assertIsNone(order.stop_price)
        with self.assertRaises(AttributeError):
            order.no_such_field
        listed = d.pm.oms.list_orders(portfolio_id="PORT-001", limit=5)
        self.assertIsInstance(listed, list)
        self.assertEqual(listed[0].order_id, order_id)
        history = d.pm.oms.get_order_history(order_id=order_id)
        self.assertEqual([e.command for e in history], ["create_order"])
        routed = d.routed()
        placement_id = d.trader.ems.create_placement if False else None
        placements = d.trader.ems.list_placements(order_id=routed)
        self.assertEqual(placements[0].quantity, Decimal(1000))
        raw = d.pm.call("oms.create_order", portfolio_id="PORT-001", instrument_id=AAPL, direction="Sell",
                        ordered_quantity=5, order_type="Market", time_in_force="Day")
        self.assertEqual(set(raw), {"order_id"})
        del placement_id

    def test_datetime_parameters(self) -> None:
        import datetime as dt

        order_id = self.demo.created()
        now = dt.datetime.now(dt.timezone.utc)
        orders = self.demo.pm.oms.list_orders(created_after=now - dt.timedelta(minutes=5),
                                              created_before=dt.date.today() + dt.timedelta(days=2), limit=100)
        self.assertIn(order_id, [o.order_id for o in orders])

    def test_none_means_not_given(self) -> None:
        order_id = self.demo.created(stop_price=None, metadata=None)
        self.assertIsNone(self.demo.pm.oms.get_order(order_id=order_id).stop_price)

    def test_metadata_is_returned_as_sent(self) -> None:
        order_id = self.demo.created(metadata={"quantity": "7", "tags": ["a"], "n": 3})
        self.assertEqual(self.demo.pm.oms.get_order(order_id=order_id).metadata, {"quantity": "7", "tags": ["a"], "n": 3})

    def test_positional_arguments_are_refused(self) -> None:
        with self.assertRaisesRegex(TypeError, "keyword arguments"):
            self.demo.pm.oms.get_order("ORD-1")

    def test_discovered_methods_are_reachable(self) -> None:
        client = self.demo.pm
        document = client.discover()
        names = [m.name for m in document.methods]
        self.assertIn("oms.create_order", names)
        for name in names:
            surface, _, operation = name.partition(".")
            if surface in ("oms", "ems", "admin", "market"):
                self.assertTrue(callable(getattr(getattr(client, surface), operation)))
                self.assertIn(operation, dir(getattr(client, surface)))
        known = set(oms_client.KNOWN_METHODS)
        served = set(names) | {"oms.subscribe_compliance", "oms.subscribe_orders", "oms.unsubscribe"}
        self.assertEqual(known - served, set(), "client lists methods the server does not have")

    def test_address_and_key_from_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"OMS_ADDRESS": ADDRESS, "OMS_API_KEY": api_key("PM")}):
            client = OMSClient()
        self.addCleanup(client.close)
        self.assertEqual(client.session.role, "PM")
        self.assertEqual(client.address, ADDRESS)

    def test_unreachable_server(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        started = time.monotonic()
        with self.assertRaises(oms_client.Unavailable) as raised:
            OMSClient(address=f"127.0.0.1:{port}", api_key="k")
        self.assertEqual(raised.exception.number, -32021)
        self.assertLess(time.monotonic() - started, 5)


class ConcurrencyTests(unittest.TestCase):
    def test_threads_share_one_client(self) -> None:
        """8 threads, one connection: answers arrive out of order and reach their callers."""
        pm = client_for("PM")
        self.addCleanup(pm.close)
        quantities = {pm.oms.create_order(portfolio_id="PORT-001", instrument_id=AAPL, direction="Buy",
                                          ordered_quantity=q, order_type="Market", time_in_force="Day"): Decimal(q)
                      for q in range(1, 17)}
        ids = list(quantities)

        def work(n: int) -> list:
            seen = []
            for i in range(40):
                order_id = ids[(n * 7 + i) % len(ids)]
                if i % 4 == 3:
                    listed = pm.oms.list_orders(portfolio_id="PORT-001", limit=1 + i % 5)
                    seen.append(("list", len(listed), 1 + i % 5))
                else:
                    order = pm.oms.get_order(order_id=order_id)
                    seen.append((order_id, order.order_id, order.ordered_quantity, quantities[order_id]))
            return seen

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            results = [row for rows in pool.map(work, range(8)) for row in rows]
        elapsed = time.monotonic() - started
        self.assertEqual(len(results), 320)
        for row in results:
            if row[0] == "list":
                self.assertEqual(row[1], row[2])
            else:
                self.assertEqual(row[1:3], (row[0], row[3]))
        self.assertEqual(pm.connections_opened, 1, "all calls share one connection")
        self.assertLess(elapsed, 20)


class ReconnectTests(unittest.TestCase):
    def test_killed_socket(self) -> None:
        pm = client_for("PM")
        self.addCleanup(pm.close)
        order_id = demo().created()
        pm._conn.sock.shutdown(socket.SHUT_RDWR)  # kill the socket under the client
        self.assertEqual(pm.oms.get_order(order_id=order_id).order_id, order_id)
        pm._conn.sock.shutdown(socket.SHUT_WR)  # half-closed: the server sees EOF and hangs up
        created = pm.oms.create_order(portfolio_id="PORT-001", instrument_id=AAPL, direction="Buy",
                                      ordered_quantity=1, order_type="Market", time_in_force="Day")
        self.assertTrue(created)
        self.assertEqual(pm.connections_opened, 3)
        self.assertEqual(pm.session.principal_id, demo_keys_principal("PM"))

    def test_server_side_drop(self) -> None:
        proxy = Proxy()
        self.addCleanup(proxy.close)
        pm = client_for("PM", address=proxy.address)
        self.addCleanup(pm.close)
        order_id = demo().created()
        for _ in range(3):
            proxy.drop()
            # The next call reconnects and authenticates again (get_order needs a session).
            self.assertEqual(pm.oms.get_order(order_id=order_id).state, "CREATED")
        self.assertEqual(proxy.accepted, 4)
        self.assertEqual(pm.connections_opened, 4)

    def _call_across_a_drop(self, proxy: Proxy, call) -> object:
        """Runs `call` while the proxy swallows requests, then drops the connection."""
        proxy.hold = True
        outcome: list = []

        def run() -> None:
            try:
                outcome.append(call())
            except Exception as error:
                outcome.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.2)
        proxy.hold = False
        proxy.drop()
        thread.join(10)
        self.assertFalse(thread.is_alive())
        return outcome[0]

    def test_calls_in_flight_when_the_connection_drops(self) -> None:
        proxy = Proxy()
        self.addCleanup(proxy.close)
        pm = client_for("PM", address=proxy.address)
        self.addCleanup(pm.close)
        order_id = demo().created()
        params = dict(portfolio_id="PORT-001", instrument_id=AAPL, direction="Buy", ordered_quantity=3,
                      order_type="Market", time_in_force="Day")
        # Read-only: repeated on the new connection.
        got = self._call_across_a_drop(proxy, lambda: pm.oms.get_order(order_id=order_id))
        self.assertEqual(getattr(got, "order_id", got), order_id)
        # Mutating, no idempotency key: not repeated; the caller learns it may not have happened.
        lost = self._call_across_a_drop(proxy, lambda: pm.oms.create_order(**params))
        self.assertIsInstance(lost, oms_client.ConnectionLost)
        self.assertIsInstance(lost, oms_client.Unavailable)
        # With an idempotency key: repeated safely.
        key = unique("IDEM")
        created = self._call_across_a_drop(proxy, lambda: pm.oms.create_order(idempotency_key=key, **params))
        self.assertIsInstance(created, str)
        self.assertEqual(pm.oms.create_order(idempotency_key=key, **params), created)

    def test_closed_client(self) -> None:
        pm = client_for("PM")
        pm.close()
        with self.assertRaises(oms_client.ClientClosed):
            pm.oms.get_order(order_id="x")


def demo_keys_principal(role: str) -> str:
    from .support import demo_keys

    return demo_keys()[role]["principal_id"]


if __name__ == "__main__":
    unittest.main()
