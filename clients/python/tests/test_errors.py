"""Errors: every code of docs/api.md maps to its exception class, and the
server's refusals arrive as those classes with `.code`, `.number`, `.data`."""

import re
import unittest
from decimal import Decimal

import oms_client
from oms_client import OMSClient, OMSError
from oms_client.errors import error_class, from_wire

from .support import ADDRESS, AAPL, REPO_ROOT, VIOLATION, demo, unique

API_DOC = REPO_ROOT / "docs" / "api.md"


class ErrorTableTests(unittest.TestCase):
    def test_every_code_of_the_api_doc_has_its_class(self) -> None:
        rows = re.findall(r"^\| ([A-Z_]+) \| (-\d+) \|", API_DOC.read_text(), re.MULTILINE)
        self.assertGreaterEqual(len(rows), 25, "error table of docs/api.md not found")
        for name, number in rows:
            cls = error_class(name)
            self.assertIsNot(cls, OMSError, f"no exception class for {name}")
            self.assertEqual((cls.code, cls.number), (name, int(number)), name)
            self.assertIs(error_class(number=int(number)), cls)
            self.assertIs(getattr(oms_client, cls.__name__), cls, f"{cls.__name__} is not exported")

    def test_class_names_follow_the_codes(self) -> None:
        expected = {
            "ORDER_NOT_FOUND": "OrderNotFound", "INVALID_STATE": "InvalidState", "FIELD_LOCKED": "FieldLocked",
            "CANCEL_NOT_AUTHORIZED": "CancelNotAuthorized", "INVALID_INSTRUMENT": "InvalidInstrument",
            "INVALID_PORTFOLIO": "InvalidPortfolio", "INVALID_ORDER_TYPE": "InvalidOrderType",
            "DUPLICATE_ORDER": "DuplicateOrder", "PERMISSION_DENIED": "PermissionDenied",
            "INVALID_ARGUMENT": "InvalidArgument", "OVERFILL": "Overfill", "UNAUTHENTICATED": "Unauthenticated",
            "INTERNAL": "InternalError",
        }
        for name, class_name in expected.items():
            self.assertEqual(error_class(name).__name__, class_name)

    def test_protocol_errors(self) -> None:
        for number, cls in [(-32700, oms_client.ParseError), (-32600, oms_client.InvalidRequest),
                            (-32601, oms_client.MethodNotFound), (-32602, oms_client.InvalidParams),
                            (-32603, oms_client.InternalError)]:
            error = from_wire({"code": number, "message": "m"})
            self.assertIsInstance(error, cls)
            self.assertIsInstance(error, OMSError)
            self.assertEqual(error.number, number)

    def test_unknown_code_keeps_name_and_number(self) -> None:
        error = from_wire({"code": -32099, "message": "new", "data": {"code": "SOMETHING_NEW", "x": 1}}, "oms.m")
        self.assertIs(type(error), OMSError)
        self.assertEqual((error.code, error.number, error.data.x, error.method), ("SOMETHING_NEW", -32099, 1, "oms.m"))

    def test_name_wins_over_number(self) -> None:
        error = from_wire({"code": -32002, "message": "m", "data": {"code": "INVALID_STATE", "state": "CREATED"}})
        self.assertIsInstance(error, oms_client.InvalidState)
        self.assertEqual(error.data.state, "CREATED")
        self.assertIn("INVALID_STATE (-32002)", str(error))


class ServerErrorTests(unittest.TestCase):
    """Refusals from the running server, one per code that a call can provoke."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.demo = demo()

    def assertRaisesCode(self, cls: type, call, *args, **kwargs) -> OMSError:
        with self.assertRaises(cls) as raised:
            call(*args, **kwargs)
        error = raised.exception
        self.assertEqual((error.code, error.number), (cls.code, cls.number))
        if not issubclass(cls, oms_client.ProtocolError) or cls is oms_client.InvalidParams:
            self.assertEqual(error.data.code, cls.code)
        return error

    def test_order_errors(self) -> None:
        d = self.demo
        e = self.assertRaisesCode(oms_client.OrderNotFound, d.pm.oms.get_order, order_id="ORD-nope")
        self.assertEqual(e.data.order_id, "ORD-nope")
        self.assertEqual(e.method, "oms.get_order")
        self.assertRaisesCode(oms_client.InvalidInstrument, d.created, instrument_id="INS-nope")
        self.assertRaisesCode(oms_client.InvalidPortfolio, d.created, portfolio_id="PORT-nope")
        self.assertRaisesCode(oms_client.InvalidOrderType, d.created, limit_price=None)
        client_order_id = unique("CL")
        d.created(client_order_id=client_order_id)
        self.assertRaisesCode(oms_client.DuplicateOrder, d.created, client_order_id=client_order_id)
        e = self.assertRaisesCode(oms_client.InvalidArgument, d.created, quantity=-5)
        self.assertEqual(e.data.field, "ordered_quantity")
        self.assertRaisesCode(oms_client.PermissionDenied, d.trader.oms.create_order, portfolio_id="PORT-001",
                              instrument_id=AAPL, direction="Buy", ordered_quantity=1, order_type="Market",
                              time_in_force="Day")

    def test_lifecycle_errors(self) -> None:
        d = self.demo
        created = d.created()
        e = self.assertRaisesCode(oms_client.InvalidState, d.compliance.oms.pass_pre_trade_compliance,
                                  order_id=created)
        self.assertEqual(e.data.state, "CREATED")
        self.assertRaisesCode(oms_client.CancelNotAuthorized, d.trader.oms.cancel_order, order_id=created)
        passed = d.with_trader()
        e = self.assertRaisesCode(oms_client.FieldLocked, d.pm.oms.update_order, order_id=passed,
                                  changes={"limit_price": Decimal("151.00")})
        self.assertIn("limit_price", e.data.fields)

    def test_execution_errors(self) -> None:
        d = self.demo
        order_id = d.routed(quantity=100)
        self.assertRaisesCode(oms_client.Overfill, d.trader.ems.record_fill, order_id=order_id,
                              exec_id=unique("EX"), quantity=101, price=150)
        self.assertRaisesCode(oms_client.PlacementExceedsUnfilled, d.trader.ems.create_placement,
                              order_id=order_id, venue="XNYS", quantity=1)
        self.assertRaisesCode(oms_client.PlacementNotFound, d.trader.ems.cancel_placement, placement_id="PL-nope")
        exec_id = unique("EX")
        d.trader.ems.record_fill(order_id=order_id, exec_id=exec_id, quantity=10, price=150)
        other = d.routed(quantity=100)
        self.assertRaisesCode(oms_client.DuplicateFill, d.trader.ems.record_fill, order_id=other, exec_id=exec_id,
                              quantity=10, price=150)

    def test_allocation_errors(self) -> None:
        d = self.demo
        order_id = d.closed()  # 750 executed
        self.assertRaisesCode(oms_client.OverAllocation, d.ops.oms.create_allocation, order_id=order_id,
                              account_id="ACCT-001", portfolio_id="PORT-001", quantity=751)
        self.assertRaisesCode(oms_client.InvalidAccount, d.ops.oms.create_allocation, order_id=order_id,
                              account_id="ACCT-nope", portfolio_id="PORT-001", quantity=1)
        self.assertRaisesCode(oms_client.NotFound, d.ops.oms.get_allocation, allocation_id="ALLOC-nope")
        d.trader.oms.send_to_operations(order_id=order_id)
        d.ops.oms.request_post_trade_compliance(order_id=order_id)
        d.compliance.oms.pass_post_trade_compliance(order_id=order_id)
        self.assertRaisesCode(oms_client.AllocationIncomplete, d.ops.oms.confirm_order, order_id=order_id)

    def test_other_errors(self) -> None:
        d = self.demo
        first, second = d.created(), d.created()
        d.pm.oms.create_basket(name="one", order_ids=[first])
        e = self.assertRaisesCode(oms_client.BasketConflict, d.pm.oms.create_basket, name="two",
                                  order_ids=[first, second])
        self.assertTrue(e.data.basket_id)
        self.assertRaisesCode(oms_client.AlreadyExists, d.admin.admin.create_portfolio, portfolio_id="PORT-001",
                              name="again")
        key = unique("IDEM")
        d.pm.oms.request_pre_trade_compliance(order_id=second, idempotency_key=key)
        # A key means one request: another method, or other params, is IDEMPOTENCY_KEY_REUSED.
        e = self.assertRaisesCode(oms_client.IdempotencyKeyReused, d.pm.oms.cancel_order, order_id=second,
                                  idempotency_key=key)
        self.assertEqual(e.data.method, "oms.request_pre_trade_compliance")
        self.assertRaisesCode(oms_client.IdempotencyKeyReused, d.pm.oms.request_pre_trade_compliance,
                              order_id=first, idempotency_key=key)

    def test_protocol_errors_from_the_server(self) -> None:
        d = self.demo
        e = self.assertRaisesCode(oms_client.InvalidParams, d.pm.oms.get_order, order_id="x", colour="red")
        self.assertEqual(e.data.field, "colour")
        e = self.assertRaisesCode(oms_client.InvalidParams, d.pm.oms.get_order)
        self.assertEqual(e.data.field, "order_id")
        self.assertRaisesCode(oms_client.MethodNotFound, d.pm.oms.no_such_method, x=1)

    def test_unauthenticated(self) -> None:
        with self.assertRaises(oms_client.Unauthenticated) as raised:
            OMSClient(address=ADDRESS, api_key="omsk.demo.nope.nope")
        self.assertEqual(raised.exception.number, -32012)
        anonymous = OMSClient(address=ADDRESS, api_key=None)
        self.addCleanup(anonymous.close)
        self.assertTrue(anonymous.discover().methods)  # allowed before authenticating
        self.assertRaisesCode(oms_client.Unauthenticated, anonymous.oms.get_order, order_id="x")

    def test_every_code_rpc_discover_publishes(self) -> None:
        codes = self.demo.pm.discover().components["x-error-codes"]
        self.assertTrue(codes)
        for entry in codes:
            cls = error_class(entry.name)
            self.assertEqual((cls.code, cls.number), (entry.name, entry.code))

    def test_violation_round_trip(self) -> None:
        order_id = self.demo.failed_pre_trade()
        history = self.demo.pm.oms.get_order_history(order_id=order_id)
        self.assertEqual(history[-1].to_state, "PRE_TRADE_COMPLIANCE_FAILED")
        self.assertIn(VIOLATION["rule_id"], repr(history[-1].payload))


if __name__ == "__main__":
    unittest.main()
