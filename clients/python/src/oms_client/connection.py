"""One TCP connection to the server: framing, calls matched by id, notifications."""

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
from .methods import SUBSCRIBE_METHODS, SUBSCRIPTION_ENDED, UNWRAP

DEFAULT_PORT = 9191


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
        if not getattr(socket, "MSG_DONTWAIT", 0) or isinstance(self.sock, ssl.SSLSocket):
            # TLS sockets cannot peek; the reader notices a close on its own.
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

