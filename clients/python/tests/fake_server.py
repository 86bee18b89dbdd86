"""A small scripted JSON-RPC server for tests that need no OMS: it speaks
the session and subscription contract of the OMS (authenticate, subscribe,
notifications, unsubscribe, subscription_ended) and can drop connections,
answer out of order and send notifications ahead of an answer."""

import json
import socket
import threading
import time
from typing import Any, Dict, List, Optional

GOOD_KEY = "good-key"


class _Conn:
    def __init__(self, server: "FakeServer", sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.write_lock = threading.Lock()
        self.subscriptions: Dict[str, str] = {}  # subscription_id -> method
        self.authenticated = False

    def send(self, message: Dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        with self.write_lock:
            try:
                self.sock.sendall(data)
            except OSError:
                pass

    def serve(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    self.handle(json.loads(line))
        except OSError:
            pass
        finally:
            self.server._closed(self)
            self.sock.close()

    def handle(self, request: Dict[str, Any]) -> None:
        server, method, params, request_id = self.server, request["method"], request.get("params") or {}, request["id"]
        server.requests.append((method, dict(params)))
        if method == "session.authenticate":
            if params.get("api_key") == GOOD_KEY:
                self.authenticated = True
                server.authentications += 1
                self.send({"jsonrpc": "2.0", "id": request_id,
                           "result": {"tenant_id": "t", "principal_id": "p", "role": "PM", "portfolio_ids": None}})
            else:
                self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                    "code": -32012, "message": "unknown API key", "data": {"code": "UNAUTHENTICATED"}}})
        elif not self.authenticated:
            self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32012, "message": "call session.authenticate first", "data": {"code": "UNAUTHENTICATED"}}})
        elif method == "test.echo":
            def later() -> None:
                time.sleep(params.get("delay", 0))
                self.send({"jsonrpc": "2.0", "id": request_id, "result": params})
            threading.Thread(target=later, daemon=True).start()
        elif method in ("oms.subscribe_compliance", "oms.subscribe_orders") and params.get("portfolio_id") == "DENIED":
            self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32009, "message": "not entitled", "data": {"code": "PERMISSION_DENIED", "portfolio_id": "DENIED"}}})
        elif method in ("oms.subscribe_compliance", "oms.subscribe_orders"):
            with server.lock:
                server.subscription_count += 1
                subscription_id = f"SUB-{server.subscription_count}"
                backlog = server._after(params.get("after_event_id"), params.get("portfolio_id"))
                if server.notify_before_answer:
                    for event in backlog:
                        self.notify(subscription_id, method, event)
                self.send({"jsonrpc": "2.0", "id": request_id, "result": {"subscription_id": subscription_id}})
                if not server.notify_before_answer:
                    for event in backlog:
                        self.notify(subscription_id, method, event)
                self.subscriptions[subscription_id] = method
        elif method == "oms.unsubscribe":
            with server.lock:
                found = self.subscriptions.pop(params.get("subscription_id"), None)
            self.send({"jsonrpc": "2.0", "id": request_id, "result": {"ok": found is not None}})
        else:
            self.send({"jsonrpc": "2.0", "id": request_id, "error": {
                "code": -32601, "message": f"Method not found: {method}", "data": {"method": method}}})

    def notify(self, subscription_id: str, method: str, event: Dict[str, Any]) -> None:
        kind = "oms.compliance_event" if method == "oms.subscribe_compliance" else "oms.order_event"
        self.send({"jsonrpc": "2.0", "method": kind, "params": {"subscription_id": subscription_id, "event": event}})


class FakeServer:
    def __init__(self, port: int = 0) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.RLock()
        self.events: List[Dict[str, Any]] = []  # in delivery (commit) order; ids need not increase
        self.connections: List[_Conn] = []
        self.requests: List[Any] = []
        self.authentications = 0
        self.accepted = 0
        self.subscription_count = 0
        self.notify_before_answer = False
        self.connected = True  # False: live events are logged but not sent (as while disconnected)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            conn = _Conn(self, sock)
            with self.lock:
                self.accepted += 1
                self.connections.append(conn)
            threading.Thread(target=conn.serve, daemon=True).start()

    def _closed(self, conn: _Conn) -> None:
        with self.lock:
            if conn in self.connections:
                self.connections.remove(conn)

    def _after(self, after_event_id: Optional[int], portfolio_id: Optional[str]) -> List[Dict[str, Any]]:
        if after_event_id is None:
            return []
        ids = [event["event_id"] for event in self.events]
        start = ids.index(after_event_id) + 1 if after_event_id in ids else 0
        return [e for e in self.events[start:] if portfolio_id is None or e.get("portfolio_id") == portfolio_id]

    def add_event(self, event_id: int, **fields: Any) -> Dict[str, Any]:
        event = {"event_id": event_id, "event_type": "PRE_TRADE_FAILED", "severity": "HARD", "portfolio_id": "PORT-001",
                 "rule_id": "R-001", "order_id": None, "details": {}, "occurred_at": "2026-03-27T14:05:09.123456Z"}
        event.update(fields)
        with self.lock:
            self.events.append(event)
            for conn in list(self.connections):
                for subscription_id, method in list(conn.subscriptions.items()):
                    conn.notify(subscription_id, method, event)
        return event

    def end_subscriptions(self, reason: str = "OVERFLOW") -> None:
        with self.lock:
            last = self.events[-1]["event_id"] if self.events else None
            for conn in list(self.connections):
                for subscription_id in list(conn.subscriptions):
                    del conn.subscriptions[subscription_id]
                    conn.send({"jsonrpc": "2.0", "method": "oms.subscription_ended",
                               "params": {"subscription_id": subscription_id, "reason": reason, "last_event_id": last}})

    def drop(self) -> None:
        with self.lock:
            connections, self.connections = self.connections, []
        for conn in connections:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.sock.close()

    def subscribe_requests(self) -> List[Dict[str, Any]]:
        return [params for method, params in self.requests if method.startswith("oms.subscribe_")]

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        self.drop()
