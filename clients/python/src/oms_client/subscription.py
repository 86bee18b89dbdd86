"""Subscriptions: an iterator of events that resumes after drops and overflows."""

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
from .connection import _Connection, parse_address
from .methods import SUBSCRIBE_METHODS, SUBSCRIPTION_ENDED


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


