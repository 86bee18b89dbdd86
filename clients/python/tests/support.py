"""Shared test setup: where the server is, the demo keys, role clients,
order helpers that drive orders to a state, and a TCP proxy that can cut
connections.

The integration tests run against a server with the demo data of
`oms serve` (portfolios PORT-001/PORT-002, accounts ACCT-001/ACCT-002,
AAPL at 150.25). `swift test` starts one and sets:

- OMS_ADDRESS    host:port of the server (default 127.0.0.1:9191)
- OMS_DEMO_KEYS  the demo keys file (default <repo>/.oms/demo-keys.json,
                 which `swift run oms serve` writes)
"""

import atexit
import json
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

if sys.version_info < (3, 9):
    raise RuntimeError(f"the OMS Python client needs Python 3.9 or later, this is {sys.version.split()[0]}")

from oms_client import OMSClient

AAPL = "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e"
REPO_ROOT = Path(__file__).resolve().parents[3]
ADDRESS = os.environ.get("OMS_ADDRESS") or "127.0.0.1:9191"
KEYS_FILE = Path(os.environ.get("OMS_DEMO_KEYS") or REPO_ROOT / ".oms" / "demo-keys.json")

VIOLATION = {"rule_id": "R-001", "rule_name": "Max Position Size", "severity": "HARD",
             "description": "Would exceed 5% single-name limit"}

_keys: Optional[Dict[str, Any]] = None


def demo_keys() -> Dict[str, Any]:
    global _keys
    if _keys is None:
        try:
            _keys = json.loads(KEYS_FILE.read_text())
        except OSError as error:
            raise AssertionError(
                f"no demo API keys at {KEYS_FILE} ({error.strerror}): these tests need a running OMS server "
                "with the demo tenant; run `swift run oms serve` (or `swift test`, which starts one), "
                "or set OMS_ADDRESS and OMS_DEMO_KEYS") from None
    return _keys


def api_key(role: str) -> str:
    return demo_keys()[role]["api_key"]


def client_for(role: str, address: Optional[str] = None, **options: Any) -> OMSClient:
    try:
        return OMSClient(address=address or ADDRESS, api_key=api_key(role), **options)
    except Exception as error:
        if type(error).__name__ == "Unavailable":
            raise AssertionError(f"no OMS server at {address or ADDRESS} ({error}); start `swift run oms serve` "
                                 "or set OMS_ADDRESS") from None
        raise


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Demo:
    """One client per demo role and helpers that drive new orders to a state."""

    def __init__(self) -> None:
        self.pm = client_for("PM")
        self.trader = client_for("Trader")
        self.ops = client_for("Ops")
        self.compliance = client_for("Compliance")
        self.system = client_for("System")
        self.admin = client_for("Admin")

    def close(self) -> None:
        for client in (self.pm, self.trader, self.ops, self.compliance, self.system, self.admin):
            client.close()

    def state(self, order_id: str) -> str:
        return self.pm.oms.get_order(order_id=order_id).state

    def created(self, quantity: Any = 1000, **overrides: Any) -> str:
        params = dict(portfolio_id="PORT-001", instrument_id=AAPL, direction="Buy", ordered_quantity=quantity,
                      order_type="Limit", time_in_force="Day", limit_price=150.25)
        params.update(overrides)
        return self.pm.oms.create_order(**params)

    def pending_pre_trade(self, **overrides: Any) -> str:
        order_id = self.created(**overrides)
        self.pm.oms.request_pre_trade_compliance(order_id=order_id)
        return order_id

    def failed_pre_trade(self, **overrides: Any) -> str:
        order_id = self.pending_pre_trade(**overrides)
        self.compliance.oms.fail_pre_trade_compliance(order_id=order_id, violations=[VIOLATION])
        return order_id

    def with_trader(self, **overrides: Any) -> str:
        order_id = self.pending_pre_trade(**overrides)
        self.compliance.oms.pass_pre_trade_compliance(order_id=order_id)
        self.pm.oms.send_to_trader(order_id=order_id)
        return order_id

    def routed(self, **overrides: Any) -> str:
        order_id = self.with_trader(**overrides)
        order = self.trader.oms.get_order(order_id=order_id)
        self.trader.ems.create_placement(order_id=order_id, venue="XNYS", quantity=order.ordered_quantity)
        return order_id

    def partially_filled(self, fill: Any = 750, price: Any = "150.20", **overrides: Any) -> str:
        order_id = self.routed(**overrides)
        self.trader.ems.record_fill(order_id=order_id, exec_id=unique("EX"), quantity=fill, price=price)
        return order_id

    def closed(self, **overrides: Any) -> str:
        order_id = self.partially_filled(**overrides)
        self.trader.oms.close_order(order_id=order_id)
        return order_id

    def pending_post_trade(self, **overrides: Any) -> str:
        order_id = self.closed(**overrides)
        self.trader.oms.send_to_operations(order_id=order_id)
        self.ops.oms.request_post_trade_compliance(order_id=order_id)
        return order_id

    def failed_post_trade(self, **overrides: Any) -> str:
        order_id = self.pending_post_trade(**overrides)
        self.compliance.oms.fail_post_trade_compliance(order_id=order_id, violations=[VIOLATION])
        return order_id


_demo: Optional[Demo] = None


def demo() -> Demo:
    """The shared role clients (opened once per test run)."""
    global _demo
    if _demo is None:
        _demo = Demo()
        atexit.register(_demo.close)
    return _demo


def wait_until(predicate: Any, timeout: float = 5.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(0.01)


class Proxy:
    """A TCP proxy in front of the server whose connections a test can cut.

    ``drop()`` closes every open connection (as a restarting server or a
    broken network would); ``hold = True`` swallows client bytes so a call
    stays unanswered until the drop.
    """

    def __init__(self, address: str = ADDRESS) -> None:
        host, _, port = address.rpartition(":")
        self.target = (host.strip("[]"), int(port))
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.hold = False
        self.accepted = 0
        self._lock = threading.Lock()
        self._sockets: List[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                downstream.close()
                continue
            with self._lock:
                self.accepted += 1
                self._sockets += [downstream, upstream]
            threading.Thread(target=self._pump, args=(downstream, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, downstream, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if from_client and self.hold:
                    continue
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def drop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def close(self) -> None:
        self._closed = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        self.drop()


def require_method(test: Any, client: OMSClient, method: str) -> None:
    """Fails `test` with a clear message when the server does not serve `method`."""
    names = {m.get("name") for m in client.discover().get("methods", [])}
    if method not in names:
        test.fail(f"the server does not serve {method} yet (it answers METHOD_NOT_FOUND): "
                  "this test waits on the server side of subscriptions")
