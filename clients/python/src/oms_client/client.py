"""The OMS JSON-RPC client: one TCP connection, many threads, reconnects."""

import itertools
import json
import os
import queue
import socket
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import ClientClosed, ConnectionLost, OMSError, RequestTimeout, Unavailable, from_wire
from .values import OMSObject, decode_value, encode_json

__all__ = ["OMSClient", "Subscription", "DEFAULT_ADDRESS", "KNOWN_METHODS"]

DEFAULT_ADDRESS = "127.0.0.1:9191"
DEFAULT_PORT = 9191

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


def _safe_to_repeat(method: str, params: Dict[str, Any]) -> bool:
    """Whether a call whose answer was lost with the connection may be sent again."""
    if params.get("idempotency_key") is not None:
        return True
    operation = method.split(".", 1)[-1]
    return method == "rpc.discover" or operation.startswith(("get_", "list_", "query_", "check_"))


def parse_address(address: str) -> Tuple[str, int]:
    """``host:port``, ``[v6]:port``, ``host`` (port 9191) or ``tcp://host:port``."""
    text = address.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.rstrip("/")
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if not host:
        raise ValueError(f"no host in address {address!r}")
    try:
        return host, int(port) if port else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"bad port in address {address!r}") from None


class _NotSent(ConnectionLost):
    """The request never left this process: sending it again is safe."""


class _Pending:
    __slots__ = ("event", "result", "error", "lost", "on_result", "hook_error")

    def __init__(self, on_result: Optional[Callable[["_Connection", Any], None]]) -> None:
        self.event = threading.Event()
        self.result: Any = None
        self.error: Any = None
        self.lost = False
        self.on_result = on_result
        self.hook_error: Optional[BaseException] = None


class _Connection:
    """One TCP connection and the thread that reads its answers."""

    _labels = itertools.count(1)

    def __init__(self, client: "OMSClient", sock: socket.socket) -> None:
        self.client = client
        self.sock = sock
        self.lock = threading.Lock()  # pending, routes, orphans, alive
        self.write_lock = threading.Lock()
        self.pending: Dict[int, _Pending] = {}
        self.routes: Dict[str, "Subscription"] = {}
        # Notifications of a subscription whose answer has not been read yet.
        self.orphans: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
        self.alive = True
        self.reader = threading.Thread(target=self._read_loop, name=f"oms-client-{next(self._labels)}", daemon=True)
        self.reader.start()

    def register(self, request_id: int, pending: _Pending) -> bool:
        with self.lock:
            if not self.alive:
                return False
            self.pending[request_id] = pending
            return True

    def forget(self, request_id: int) -> None:
        with self.lock:
            self.pending.pop(request_id, None)

    def probe(self) -> bool:
        """Whether the connection is still open, noticing a close the reader has not handled yet."""
        flags = socket.MSG_PEEK | getattr(socket, "MSG_DONTWAIT", 0)
        if not self.alive:
            return False
        if not getattr(socket, "MSG_DONTWAIT", 0):
            return True
        try:
            data = self.sock.recv(1, flags)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if data:
            return True
        # The peer closed: let the reader finish what it received, then it marks us dead.
        self.reader.join(1.0)
        if self.alive:
            self.kill()
        return False

    def send(self, data: bytes) -> None:
        with self.write_lock:
            self.sock.sendall(data)

    def kill(self) -> None:
        """Drops the connection and fails what is pending on it."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._lost()

    def _read_loop(self) -> None:
        buffer = bytearray()
        try:
            while True:
                chunk = self.sock.recv(262144)
                if not chunk:
                    break
                start = len(buffer)
                buffer += chunk
                cut = 0
                position = buffer.find(b"\n", start)
                while position >= 0:
                    line = bytes(buffer[cut:position])
                    cut = position + 1
                    if line.strip():
                        self._handle_line(line)
                    position = buffer.find(b"\n", cut)
                if cut:
                    del buffer[:cut]
        except OSError:
            pass
        finally:
            self._lost()
            try:
                self.sock.close()
            except OSError:
                pass

    def _handle_line(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return
        for item in message if isinstance(message, list) else [message]:
            if not isinstance(item, dict):
                continue
            if "method" in item and "id" not in item:
                self._notification(item)
                continue
            with self.lock:
                pending = self.pending.pop(item.get("id"), None) if isinstance(item.get("id"), int) else None
            if pending is None:
                continue  # an answer nobody waits for any more (timed out)
            if "error" in item:
                pending.error = item["error"]
            else:
                pending.result = item.get("result")
                if pending.on_result is not None:
                    try:
                        pending.on_result(self, pending.result)
                    except Exception as error:  # reported to the caller
                        pending.hook_error = error
            pending.event.set()

    def _notification(self, item: Dict[str, Any]) -> None:
        method = item.get("method")
        params = item.get("params")
        if not isinstance(method, str) or not isinstance(params, dict):
            return
        subscription_id = params.get("subscription_id")
        with self.lock:
            subscription = self.routes.get(subscription_id)
            if subscription is None:
                if isinstance(subscription_id, str):
                    if len(self.orphans) >= 64 and subscription_id not in self.orphans:
                        self.orphans.pop(next(iter(self.orphans)))
                    held = self.orphans.setdefault(subscription_id, [])
                    if len(held) < 100_000:
                        held.append((method, params))
                return
            if method == SUBSCRIPTION_ENDED:
                self.routes.pop(subscription_id, None)
        subscription._deliver(self, method, params)

    def _lost(self) -> None:
        """Marks the connection dead (once): pending calls fail, subscriptions resume elsewhere."""
        with self.lock:
            if not self.alive:
                return
            self.alive = False
            pending = list(self.pending.values())
            self.pending.clear()
            subscriptions = list({id(s): s for s in self.routes.values()}.values())
            self.routes.clear()
            self.orphans.clear()
        for item in pending:
            item.lost = True
            item.event.set()
        for subscription in subscriptions:
            subscription._connection_lost(self)


_LOST = object()
_CLOSED = object()
_ENDED = object()


class Subscription:
    """A live stream of events: iterate it (``for event in subscription``).

    Each event is an :class:`OMSObject` (``event.event_type``,
    ``event.rule_id``, ``event.severity``, ...). After a dropped connection
    or an ``oms.subscription_ended`` (OVERFLOW) the client subscribes again
    with ``after_event_id`` = the id of the last event received, so the
    stream resumes without gaps or repeats. Stop it with :meth:`close` (or
    ``with ... as events:``); closing the client stops it too.
    """

    def __init__(self, client: "OMSClient", method: str, params: Dict[str, Any]) -> None:
        self._client = client
        self.method = method
        self._params = {k: v for k, v in params.items() if k != "after_event_id"}
        self._cursor = params.get("after_event_id")
        self._queue: "queue.Queue[Any]" = queue.Queue()
        self._lock = threading.Lock()
        self._conn: Optional[_Connection] = None
        #: The server's id for the current subscription (changes on resubscribe).
        self.subscription_id: Optional[str] = None
        #: The event_id of the last event returned by the iterator.
        self.last_event_id: Optional[int] = self._cursor
        #: How many times the stream was resumed (reconnects and OVERFLOW ends).
        self.resumed = 0
        self.closed = False

    def __repr__(self) -> str:
        return f"<Subscription {self.method} {self._params} id={self.subscription_id} last_event_id={self.last_event_id}>"

    # -- iteration --------------------------------------------------------

    def __iter__(self) -> "Subscription":
        return self

    def __next__(self) -> OMSObject:
        while True:
            event = self._handle(self._queue.get())
            if event is not None:
                return event

    def poll(self, timeout: Optional[float] = None) -> Optional[OMSObject]:
        """The next event, or None when none arrives within ``timeout`` seconds.

        Raises ``StopIteration`` once the subscription is closed.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._queue.get(timeout=remaining)
            except queue.Empty:
                return None
            event = self._handle(item)
            if event is not None:
                return event

    def _handle(self, item: Any) -> Optional[OMSObject]:
        if item is _CLOSED:
            self._queue.put(_CLOSED)  # every later next() stops too
            raise StopIteration
        if item is _LOST or item is _ENDED:
            try:
                self._resume()
            except Unavailable:
                self._queue.put(_LOST)  # the next next() tries again
                raise
            except OMSError:
                self.close()  # refused (e.g. no longer entitled): the stream is over
                raise
            return None
        if isinstance(item, BaseException):
            self.close()
            raise item
        event_id = item.get("event_id")
        if event_id is not None:
            self.last_event_id = event_id
        return item

    # -- lifecycle --------------------------------------------------------

    def close(self) -> None:
        """Unsubscribes and ends the iteration (idempotent)."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            conn, subscription_id = self._conn, self.subscription_id
            self._conn, self.subscription_id = None, None
        self._client._forget_subscription(self)
        if conn is not None and subscription_id is not None:
            with conn.lock:
                conn.routes.pop(subscription_id, None)
            if conn.alive and not self._client.closed:
                try:
                    self._client._request(conn, "oms.unsubscribe", {"subscription_id": subscription_id}, 5.0)
                except OMSError:
                    pass
        self._queue.put(_CLOSED)

    unsubscribe = close

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals --------------------------------------------------------

    def _subscribe_on(self, conn: _Connection) -> None:
        """Subscribes on ``conn`` from the cursor; the caller holds ``_lock``."""
        params = dict(self._params)
        if self._cursor is not None:
            params["after_event_id"] = self._cursor
        self._client._request(conn, self.method, params, self._client.timeout, on_result=self._bind)

    def _bind(self, conn: _Connection, result: Any) -> None:
        """Runs on the reader thread when the subscribe answer arrives."""
        subscription_id = result.get("subscription_id") if isinstance(result, dict) else None
        if not isinstance(subscription_id, str):
            raise OMSError(f"{self.method} answered without a subscription_id: {result!r}", method=self.method)
        with conn.lock:
            held = conn.orphans.pop(subscription_id, [])
            if self.closed:
                return
            conn.routes[subscription_id] = self
        self._conn, self.subscription_id = conn, subscription_id
        for method, params in held:
            self._deliver(conn, method, params)

    def _deliver(self, conn: _Connection, method: str, params: Dict[str, Any]) -> None:
        """Runs on the reader thread for each notification of this subscription."""
        if method == SUBSCRIPTION_ENDED:
            if conn is self._conn and params.get("subscription_id") == self.subscription_id:
                self._conn, self.subscription_id = None, None
                if self._cursor is None and isinstance(params.get("last_event_id"), int):
                    self._cursor = params["last_event_id"]
                self._queue.put(_ENDED)
            return
        event = params.get("event")
        if not isinstance(event, dict):
            return
        decoded = decode_value(event)
        if isinstance(decoded.get("event_id"), int):
            self._cursor = decoded["event_id"]
        self._queue.put(decoded)

    def _connection_lost(self, conn: _Connection) -> None:
        if self._conn is conn:
            self._conn, self.subscription_id = None, None
            self._queue.put(_LOST)

    def _fail(self, error: BaseException) -> None:
        self._queue.put(error)

    def _resume(self) -> None:
        """Subscribes again after a lost connection or an ended subscription."""
        deadline = time.monotonic() + self._client.reconnect_timeout
        while True:
            try:
                conn = self._client._connect()
                with self._lock:
                    if self.closed or (self._conn is conn and self.subscription_id is not None):
                        return
                    self._subscribe_on(conn)
                    self.resumed += 1
                return
            except ClientClosed:
                return  # close() queued _CLOSED
            except ConnectionLost:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


class _Surface:
    """``client.oms``, ``client.ems``, ``client.admin``, ``client.market``."""

    def __init__(self, client: "OMSClient", name: str) -> None:
        self._client = client
        self._name = name

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("_"):
            raise AttributeError(operation)
        method = f"{self._name}.{operation}"
        client = self._client

        if method in SUBSCRIBE_METHODS:

            def subscribe(*args: Any, **params: Any) -> Subscription:
                if args:
                    raise TypeError(f"{method}() takes keyword arguments only")
                return client._subscribe(method, params)

            call = subscribe
        else:

            def call(*args: Any, **params: Any) -> Any:
                if args:
                    raise TypeError(f"{method}() takes keyword arguments only, e.g. order_id=...")
                return client._invoke(method, params)

        call.__name__ = operation
        call.__qualname__ = method
        call.__doc__ = f"{method}({KNOWN_METHODS.get(method, 'see rpc.discover')})"
        return call

    def __dir__(self) -> List[str]:
        prefix = self._name + "."
        names = {m[len(prefix):] for m in KNOWN_METHODS if m.startswith(prefix)}
        names |= {m[len(prefix):] for m in self._client._discovered_methods() if m.startswith(prefix)}
        return sorted(names)

    def __repr__(self) -> str:
        return f"<OMS surface {self._name!r}>"


class OMSClient:
    """A client of the OMS JSON-RPC server.

    ``OMSClient(address="127.0.0.1:9191", api_key=...)``; without arguments
    the address and key come from ``OMS_ADDRESS`` and ``OMS_API_KEY``.
    Methods are called by name with keyword arguments, as on the SDK page::

        order_id = client.oms.create_order(portfolio_id="PORT-001", ...)

    The client is safe to share between threads: calls on its single
    connection run concurrently and answers are matched by id. A dropped
    connection is reopened and re-authenticated on the next call; a call
    that was waiting when it dropped is repeated if it is read-only or has an
    ``idempotency_key`` and raises :class:`ConnectionLost` otherwise.
    """

    def __init__(
        self,
        address: Optional[str] = None,
        api_key: Optional[str] = None,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        reconnect_timeout: float = 30.0,
        connect: bool = True,
    ) -> None:
        self.address = address or os.environ.get("OMS_ADDRESS") or DEFAULT_ADDRESS
        self.host, self.port = parse_address(self.address)
        self.api_key = api_key if api_key is not None else os.environ.get("OMS_API_KEY")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.reconnect_timeout = reconnect_timeout
        #: The answer of ``session.authenticate`` (tenant_id, principal_id, role, ...).
        self.session: Optional[OMSObject] = None
        #: How many connections were opened (1 + reconnects).
        self.connections_opened = 0
        self.closed = False
        self._ids = itertools.count(1)
        self._connect_lock = threading.Lock()
        self._conn: Optional[_Connection] = None
        self._subscriptions: List[Subscription] = []
        self._subscriptions_lock = threading.Lock()
        self._discovered: Optional[List[str]] = None
        self.oms = _Surface(self, "oms")
        self.ems = _Surface(self, "ems")
        self.admin = _Surface(self, "admin")
        self.market = _Surface(self, "market")
        if connect:
            self._connect(initial=True)

    def __repr__(self) -> str:
        who = self.session.get("principal_id") if self.session else None
        return f"<OMSClient {self.host}:{self.port} principal={who} connected={self.connected}>"

    def __enter__(self) -> "OMSClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- public -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        conn = self._conn
        return conn is not None and conn.alive

    @property
    def subscriptions(self) -> List[Subscription]:
        """The open subscriptions."""
        with self._subscriptions_lock:
            return list(self._subscriptions)

    def call(self, method: str, params: Optional[Dict[str, Any]] = None, *, timeout: Optional[float] = None,
             **kwargs: Any) -> Any:
        """Calls any method by its full name and returns its whole result.

        ``client.call("oms.create_order", {...})`` or with keyword arguments;
        unlike ``client.oms.create_order`` the result is not unwrapped.
        """
        merged = dict(params or {})
        merged.update(kwargs)
        return decode_value(self._call(method, merged, timeout))

    def discover(self) -> OMSObject:
        """The server's OpenRPC document (``rpc.discover``)."""
        document = self.call("rpc.discover")
        self._discovered = [m.get("name") for m in document.get("methods", []) if isinstance(m, dict)]
        return document

    def close(self) -> None:
        """Closes the connection and every subscription."""
        self.closed = True
        for subscription in self.subscriptions:
            subscription.close()
        conn = self._conn
        if conn is not None:
            conn.kill()
            conn.reader.join(5.0)

    # -- calls ------------------------------------------------------------

    def _invoke(self, method: str, params: Dict[str, Any]) -> Any:
        # None means "not given", as for Python keyword defaults.
        result = decode_value(self._call(method, {k: v for k, v in params.items() if v is not None}, None))
        member = UNWRAP.get(method)
        if member is not None and isinstance(result, dict) and member in result:
            return result[member]
        return result

    def _call(self, method: str, params: Dict[str, Any], timeout: Optional[float],
              on_result: Optional[Callable[[_Connection, Any], None]] = None) -> Any:
        repeatable = _safe_to_repeat(method, params)
        deadline = time.monotonic() + self.reconnect_timeout
        while True:
            conn = self._connect()
            try:
                return self._request(conn, method, params, self.timeout if timeout is None else timeout, on_result)
            except _NotSent:
                pass
            except ConnectionLost:
                if self.closed:
                    raise ClientClosed("the client was closed", method=method) from None
                if not repeatable:
                    raise
            if time.monotonic() > deadline:
                raise Unavailable(f"no answer from {self.host}:{self.port} within {self.reconnect_timeout}s",
                                  method=method)

    def _request(self, conn: _Connection, method: str, params: Dict[str, Any], timeout: Optional[float],
                 on_result: Optional[Callable[[_Connection, Any], None]] = None) -> Any:
        """One request on ``conn``: its raw result, or the error raised."""
        request_id = next(self._ids)
        line = (encode_json({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}) + "\n").encode()
        pending = _Pending(on_result)
        if not conn.probe() or not conn.register(request_id, pending):
            raise _NotSent("connection closed", method=method)
        try:
            conn.send(line)
        except OSError as error:
            conn.forget(request_id)
            conn.kill()
            raise _NotSent(f"connection closed: {error}", method=method) from None
        if not pending.event.wait(timeout):
            conn.forget(request_id)
            raise RequestTimeout(f"no answer within {timeout}s", method=method)
        if pending.lost:
            raise ConnectionLost(
                "the connection dropped before the answer came; the call may or may not have been applied "
                "(pass idempotency_key to make a retry safe)", method=method)
        if pending.error is not None:
            raise from_wire(pending.error, method)
        if pending.hook_error is not None:
            raise pending.hook_error
        return pending.result

    # -- connection -------------------------------------------------------

    def _connect(self, initial: bool = False) -> _Connection:
        """The live connection, opening (and authenticating) a new one if needed."""
        conn = self._conn
        if conn is not None and conn.alive and not self.closed:
            return conn
        with self._connect_lock:
            if self.closed:
                raise ClientClosed("the client was closed")
            conn = self._conn
            if conn is not None and conn.alive:
                return conn
            if conn is not None:
                # Every event the old connection received is queued before resuming.
                conn.kill()
                conn.reader.join(2.0)
            deadline = time.monotonic() + (0.0 if initial else self.reconnect_timeout)
            delay = 0.05
            while True:
                try:
                    self._conn = self._open()
                    return self._conn
                except (OSError, ConnectionLost, RequestTimeout) as error:
                    last: BaseException = error
                if self.closed:
                    raise ClientClosed("the client was closed")
                if time.monotonic() + delay > deadline:
                    raise Unavailable(f"cannot reach the OMS server at {self.host}:{self.port}: {last}") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _open(self) -> _Connection:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        sock.settimeout(None)
        conn = _Connection(self, sock)
        self.connections_opened += 1
        try:
            if self.api_key is not None:
                answer = self._request(conn, "session.authenticate", {"api_key": self.api_key}, self.timeout)
                self.session = decode_value(answer)
            for subscription in self.subscriptions:
                with subscription._lock:
                    if subscription.closed:
                        continue
                    try:
                        subscription._subscribe_on(conn)
                        subscription.resumed += 1
                    except ConnectionLost:
                        raise
                    except OMSError as error:
                        subscription._fail(error)
        except BaseException:
            conn.kill()
            raise
        return conn

    # -- subscriptions ----------------------------------------------------

    def _subscribe(self, method: str, params: Dict[str, Any]) -> Subscription:
        subscription = Subscription(self, method, {k: v for k, v in params.items() if v is not None})
        with self._subscriptions_lock:
            self._subscriptions.append(subscription)
        deadline = time.monotonic() + self.reconnect_timeout
        try:
            while True:
                conn = self._connect()
                try:
                    with subscription._lock:
                        if subscription._conn is not conn or subscription.subscription_id is None:
                            subscription._subscribe_on(conn)
                    subscription.resumed = 0
                    return subscription
                except ConnectionLost:
                    if time.monotonic() > deadline:
                        raise
        except BaseException:
            self._forget_subscription(subscription)
            subscription.closed = True
            raise

    def _forget_subscription(self, subscription: Subscription) -> None:
        with self._subscriptions_lock:
            if subscription in self._subscriptions:
                self._subscriptions.remove(subscription)

    def _discovered_methods(self) -> List[str]:
        if self._discovered is None and self.connected:
            try:
                self.discover()
            except OMSError:
                self._discovered = []
        return self._discovered or []
