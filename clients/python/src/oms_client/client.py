"""The OMS JSON-RPC client: one TCP connection, many threads, reconnects."""

import itertools
import json
import os
import queue
import socket
import ssl
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import ClientClosed, ConnectionLost, OMSError, RequestTimeout, Unavailable, from_wire
from .values import OMSObject, decode_value, encode_json
from .connection import _Connection, _NotSent, _Pending, _safe_to_repeat, parse_address
from .methods import KNOWN_METHODS, SUBSCRIBE_METHODS, SUBSCRIPTION_ENDED, UNWRAP
from .subscription import _CLOSED, _ENDED, _LOST, Subscription

__all__ = ["OMSClient", "Subscription", "DEFAULT_ADDRESS", "KNOWN_METHODS"]

DEFAULT_ADDRESS = "127.0.0.1:9191"
DEFAULT_PORT = 9191


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

    TLS: ``ca_file="ca.pem"`` (or ``OMS_TLS_CA``) connects with TLS and
    trusts the certificate authorities in that PEM bundle; ``tls=True``
    without a bundle trusts the system's. The server's certificate must be
    valid for ``server_hostname`` (default: the host of the address).
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
        tls: Optional[bool] = None,
        ca_file: Optional[str] = None,
        server_hostname: Optional[str] = None,
    ) -> None:
        self.address = address or os.environ.get("OMS_ADDRESS") or DEFAULT_ADDRESS
        self.host, self.port = parse_address(self.address)
        ca_file = ca_file or os.environ.get("OMS_TLS_CA") or None
        #: The TLS context, or None for plain TCP.
        self.ssl_context: Optional[ssl.SSLContext] = None
        if tls or (tls is None and ca_file):
            self.ssl_context = ssl.create_default_context(cafile=ca_file)
        self.server_hostname = server_hostname or self.host
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
                except ssl.SSLCertVerificationError as error:
                    # Retrying cannot make an untrusted certificate trusted.
                    raise Unavailable(f"TLS with the OMS server at {self.host}:{self.port} failed: "
                                      f"{error.verify_message or error}") from None
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
        if self.ssl_context is not None:
            try:
                # The handshake runs here, under the connect timeout.
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.server_hostname)
            except BaseException:
                sock.close()
                raise
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
