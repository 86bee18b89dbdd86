"""Python client for the OMS JSON-RPC server (standard library only).

    from oms_client import OMSClient
    client = OMSClient(address="127.0.0.1:9191", api_key="...")
    order_id = client.oms.create_order(portfolio_id="PORT-001", ...)
"""

from .client import DEFAULT_ADDRESS, KNOWN_METHODS, OMSClient, Subscription, parse_address
from .errors import *  # noqa: F401,F403  (every OMSError subclass)
from .errors import __all__ as _error_names
from .values import DECIMAL_FIELDS, OMSObject

__version__ = "0.1.0"

__all__ = ["OMSClient", "Subscription", "OMSObject", "DEFAULT_ADDRESS", "KNOWN_METHODS", "DECIMAL_FIELDS",
           "parse_address", "__version__"] + list(_error_names)
