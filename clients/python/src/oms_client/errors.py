"""Exceptions raised by the OMS client.

Every error the server answers becomes an :class:`OMSError` subclass named
after its code: ``ORDER_NOT_FOUND`` is :class:`OrderNotFound`,
``INVALID_STATE`` is :class:`InvalidState`, and so on for every code of
``docs/api.md``. Each carries

- ``code``: the stable name (``"ORDER_NOT_FOUND"``), as listed on the SDK page;
- ``number``: the numeric JSON-RPC ``error.code`` (``-32001``);
- ``data``: the error's ``data`` object (``data.state`` for INVALID_STATE,
  ``data.field`` for INVALID_ARGUMENT / INVALID_PARAMS, ...);
- ``message`` and ``method`` (the method that failed).
"""

from typing import Any, Dict, Optional, Type

__all__ = [
    "OMSError",
    "ProtocolError",
    "ParseError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "OrderNotFound",
    "InvalidState",
    "FieldLocked",
    "CancelNotAuthorized",
    "InvalidInstrument",
    "InvalidPortfolio",
    "InvalidOrderType",
    "DuplicateOrder",
    "PermissionDenied",
    "InvalidArgument",
    "Overfill",
    "Unauthenticated",
    "InvalidAccount",
    "DuplicateFill",
    "PlacementNotFound",
    "PlacementExceedsUnfilled",
    "AlreadyExists",
    "NotFound",
    "TenantNotFound",
    "Conflict",
    "Unavailable",
    "InternalError",
    "AllocationIncomplete",
    "OverAllocation",
    "BasketConflict",
    "LimitExceeded",
    "RateLimited",
    "IdempotencyKeyReused",
    "ConnectionLost",
    "RequestTimeout",
    "ClientClosed",
    "error_class",
]


class OMSError(Exception):
    """An error answered by the OMS server (or raised by the client for it)."""

    #: The stable code name, e.g. ``"ORDER_NOT_FOUND"``.
    code: Optional[str] = None
    #: The numeric JSON-RPC error code, e.g. ``-32001``.
    number: Optional[int] = None

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        number: Optional[int] = None,
        data: Optional[Dict[str, Any]] = None,
        method: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if number is not None:
            self.number = number
        # Imported here to keep this module free of import cycles.
        from .values import OMSObject

        self.data = OMSObject(data or {})
        self.method = method

    def __str__(self) -> str:
        where = f" [{self.method}]" if self.method else ""
        label = self.code or "ERROR"
        if self.number is not None:
            label += f" ({self.number})"
        return f"{label}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r}, number={self.number!r}, data={dict(self.data)!r})"


# -- JSON-RPC protocol errors -------------------------------------------------


class ProtocolError(OMSError):
    """A JSON-RPC protocol error (-32700 ... -32603)."""


class ParseError(ProtocolError):
    code, number = "PARSE_ERROR", -32700


class InvalidRequest(ProtocolError):
    code, number = "INVALID_REQUEST", -32600


class MethodNotFound(ProtocolError):
    code, number = "METHOD_NOT_FOUND", -32601


class InvalidParams(ProtocolError):
    """Unknown, missing or mistyped parameter; ``data.field`` names it."""

    code, number = "INVALID_PARAMS", -32602


# -- Domain errors (docs/api.md, "Errors") -------------------------------------


class OrderNotFound(OMSError):
    code, number = "ORDER_NOT_FOUND", -32001


class InvalidState(OMSError):
    """The command is not allowed in the order's state (``data.state``)."""

    code, number = "INVALID_STATE", -32002


class FieldLocked(OMSError):
    code, number = "FIELD_LOCKED", -32003


class CancelNotAuthorized(OMSError):
    code, number = "CANCEL_NOT_AUTHORIZED", -32004


class InvalidInstrument(OMSError):
    code, number = "INVALID_INSTRUMENT", -32005


class InvalidPortfolio(OMSError):
    code, number = "INVALID_PORTFOLIO", -32006


class InvalidOrderType(OMSError):
    code, number = "INVALID_ORDER_TYPE", -32007


class DuplicateOrder(OMSError):
    code, number = "DUPLICATE_ORDER", -32008


class PermissionDenied(OMSError):
    code, number = "PERMISSION_DENIED", -32009


class InvalidArgument(OMSError):
    """A value breaks a rule; ``data.field`` names it."""

    code, number = "INVALID_ARGUMENT", -32010


class Overfill(OMSError):
    code, number = "OVERFILL", -32011


class Unauthenticated(OMSError):
    code, number = "UNAUTHENTICATED", -32012


class InvalidAccount(OMSError):
    code, number = "INVALID_ACCOUNT", -32013


class DuplicateFill(OMSError):
    code, number = "DUPLICATE_FILL", -32014


class PlacementNotFound(OMSError):
    code, number = "PLACEMENT_NOT_FOUND", -32015


class PlacementExceedsUnfilled(OMSError):
    code, number = "PLACEMENT_EXCEEDS_UNFILLED", -32016


class AlreadyExists(OMSError):
    code, number = "ALREADY_EXISTS", -32017


class NotFound(OMSError):
    code, number = "NOT_FOUND", -32018


class TenantNotFound(OMSError):
    code, number = "TENANT_NOT_FOUND", -32019


class Conflict(OMSError):
    code, number = "CONFLICT", -32020


class Unavailable(OMSError):
    """The server cannot be reached (raised by the client) or is unavailable."""

    code, number = "UNAVAILABLE", -32021


class InternalError(OMSError):
    """An unexpected server failure (INTERNAL, or JSON-RPC -32603)."""

    code, number = "INTERNAL", -32022


class AllocationIncomplete(OMSError):
    code, number = "ALLOCATION_INCOMPLETE", -32023


class OverAllocation(OMSError):
    code, number = "OVER_ALLOCATION", -32024


class BasketConflict(OMSError):
    code, number = "BASKET_CONFLICT", -32025


class LimitExceeded(OMSError):
    """A server limit was hit: batch size, connections per address, subscriptions per connection."""

    code, number = "LIMIT_EXCEEDED", -32026


class RateLimited(OMSError):
    """Too many failed authentications from this address; ``data.retry_after_seconds`` says when to retry."""

    code, number = "RATE_LIMITED", -32027


class IdempotencyKeyReused(OMSError):
    """The ``idempotency_key`` was first used for another request (another
    method, or other params); nothing was changed. Use a new key for a new
    request; only an identical retry answers the first call's result."""

    code, number = "IDEMPOTENCY_KEY_REUSED", -32028


# -- Client-side conditions ----------------------------------------------------


class ConnectionLost(Unavailable):
    """The connection dropped while a call was waiting for its answer.

    The call may or may not have been applied. Read-only calls and calls with
    an ``idempotency_key`` are retried automatically on a new connection; this
    is raised for the others. Retrying with an ``idempotency_key`` is safe.
    """


class RequestTimeout(Unavailable, TimeoutError):
    """No answer within the client's timeout."""


class ClientClosed(Unavailable):
    """The client was closed."""


_BY_NAME: Dict[str, Type[OMSError]] = {}
_BY_NUMBER: Dict[int, Type[OMSError]] = {}
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, OMSError) and _cls.__dict__.get("code"):
        _BY_NAME.setdefault(_cls.code, _cls)
        _BY_NUMBER.setdefault(_cls.number, _cls)
_BY_NUMBER[-32603] = InternalError
_BY_NAME["INTERNAL_ERROR"] = InternalError


def error_class(code: Optional[str] = None, number: Optional[int] = None) -> Type[OMSError]:
    """The exception class for a code name (preferred) or a numeric code."""
    if code is not None and code in _BY_NAME:
        return _BY_NAME[code]
    if number is not None and number in _BY_NUMBER:
        return _BY_NUMBER[number]
    return OMSError


def from_wire(error: Any, method: Optional[str] = None) -> OMSError:
    """Builds the exception for a JSON-RPC error object."""
    if not isinstance(error, dict):
        return OMSError(f"malformed error: {error!r}", method=method)
    number = error.get("code") if isinstance(error.get("code"), int) else None
    raw_data = error.get("data")
    data = raw_data if isinstance(raw_data, dict) else ({} if raw_data is None else {"value": raw_data})
    name = data.get("code") if isinstance(data.get("code"), str) else None
    cls = error_class(name, number)
    message = str(error.get("message", ""))
    if cls is OMSError:
        return OMSError(message, code=name, number=number, data=data, method=method)
    exc = cls(message, data=data, method=method)
    if number is not None and number != cls.number:
        exc.number = number
    return exc
