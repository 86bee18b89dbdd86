"""Values on the wire: JSON encoding of parameters and decoding of results.

Parameters: ``Decimal``, ``int`` and ``float`` are sent as exact JSON numbers
(a float as its shortest repr, ``150.25`` -> ``150.25``), ``datetime`` as
RFC 3339 UTC (naive datetimes are taken as UTC), ``date`` as ``YYYY-MM-DD``.
Results: JSON objects become :class:`OMSObject` (a ``dict`` with attribute
access); the server's decimal strings (``"1000"``, ``"150.25"``) become
``Decimal`` for the known decimal fields; everything else is plain JSON.
"""

import datetime as _dt
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, List, Mapping

__all__ = ["OMSObject", "DECIMAL_FIELDS", "encode_json", "decode_value"]


class OMSObject(dict):
    """A result object: a ``dict`` whose keys are also attributes.

    ``result.executed_quantity`` and ``result["executed_quantity"]`` are the
    same value. Missing fields raise ``AttributeError`` / ``KeyError``.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r} (fields: {', '.join(self)})") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("OMSObject is read-only by attribute; use item assignment")

    def __dir__(self) -> List[str]:
        return sorted(set(self.keys()) | set(dir(dict)))

    def __repr__(self) -> str:
        return f"OMSObject({dict.__repr__(self)})"


#: Result fields the server returns as decimal strings; they come back as ``Decimal``.
DECIMAL_FIELDS = frozenset(
    {
        "ordered_quantity",
        "executed_quantity",
        "unfilled_quantity",
        "limit_price",
        "stop_price",
        "quantity",
        "quantities",
        "filled_quantity",
        "open_quantity",
        "price",
        "fill_price",
        "average_price",
        "cash",
        "current_value",
        "limit_value",
        "headroom",
        "max_pct",
        "max_quantity",
        "max_notional",
        "nav",
        "market_value",
        "notional",
    }
)

# Subtrees returned exactly as stored (user-defined JSON).
_OPAQUE_FIELDS = frozenset({"metadata"})


def decode_value(value: Any, key: Any = None) -> Any:
    """Turns parsed JSON into result values (see the module docstring)."""
    if isinstance(value, dict):
        return OMSObject(
            (k, v if k in _OPAQUE_FIELDS else decode_value(v, k)) for k, v in value.items()
        )
    if isinstance(value, list):
        return [decode_value(item, key) for item in value]
    if isinstance(value, str) and key in DECIMAL_FIELDS:
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"cannot send {value!r}: decimals must be finite")
    text = format(value, "f")
    return text


def _timestamp_text(value: _dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    value = value.astimezone(_dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_json(value: Any) -> str:
    """Compact JSON for a request, with decimals and floats as exact numbers."""
    parts: List[str] = []
    _encode(value, parts.append)
    return "".join(parts)


def _encode(value: Any, out: Callable[[str], None]) -> None:
    if value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, str):
        out(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out(str(int(value)))
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"cannot send {value!r}: numbers must be finite")
        out(_decimal_text(Decimal(repr(value))))
    elif isinstance(value, Decimal):
        out(_decimal_text(value))
    elif isinstance(value, _dt.datetime):
        out(json.dumps(_timestamp_text(value)))
    elif isinstance(value, _dt.date):
        out(json.dumps(value.isoformat()))
    elif isinstance(value, Mapping):
        out("{")
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}: {key!r}")
            if not first:
                out(",")
            first = False
            out(json.dumps(key, ensure_ascii=False))
            out(":")
            _encode(item, out)
        out("}")
    elif isinstance(value, (list, tuple)):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode(item, out)
        out("]")
    elif value is Ellipsis:
        raise TypeError("cannot send `...`: it is a placeholder (as on the SDK page); put the real value there")
    else:
        raise TypeError(f"cannot send a value of type {type(value).__name__}: {value!r}")
