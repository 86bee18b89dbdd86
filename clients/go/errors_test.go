package oms

import (
	"context"
	"errors"
	"testing"
)

// The server's refusals arrive as the sentinels of their codes, with their
// details, through errors.Is and errors.As.
func TestServerErrorsMatchTheirSentinels(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)

	_, err := d.pm.OMS.GetOrder(ctx, "ORD-does-not-exist")
	e := expectCode(t, err, ErrOrderNotFound)
	if e.Number != -32001 || e.Method != "oms.get_order" || e.Message == "" {
		t.Fatalf("error: %+v", e)
	}

	created := d.created(t)
	_, err = d.compliance.OMS.PassPreTradeCompliance(ctx, created)
	var stateErr *InvalidStateError
	if !errors.As(err, &stateErr) || stateErr.State != StateCreated || !errors.Is(err, ErrInvalidState) {
		t.Fatalf("want INVALID_STATE with state CREATED, got %v", err)
	}
	if errors.Is(err, ErrOrderNotFound) || errors.Is(err, ErrConnectionLost) {
		t.Fatalf("%v matches another sentinel", err)
	}

	_, err = d.pm.OMS.PassPreTradeCompliance(ctx, created)
	expectCode(t, err, ErrPermissionDenied)

	locked := d.withTrader(t)
	_, err = d.pm.OMS.UpdateOrder(ctx, locked, &OrderChanges{LimitPrice: dec("151")})
	expectCode(t, err, ErrFieldLocked)

	_, err = d.trader.OMS.CancelOrder(ctx, d.created(t))
	expectCode(t, err, ErrCancelNotAuthorized)

	request := func(change func(*CreateOrderRequest)) error {
		r := &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl, Direction: DirectionBuy,
			OrderedQuantity: dec("10"), OrderType: OrderTypeLimit, TimeInForce: TIFDay, LimitPrice: dec("1")}
		change(r)
		_, err := d.pm.OMS.CreateOrder(ctx, r)
		return err
	}
	expectCode(t, request(func(r *CreateOrderRequest) { r.InstrumentID = "INS-nope" }), ErrInvalidInstrument)
	expectCode(t, request(func(r *CreateOrderRequest) { r.PortfolioID = "PORT-nope" }), ErrInvalidPortfolio)
	expectCode(t, request(func(r *CreateOrderRequest) { r.LimitPrice = dec("0") }), ErrInvalidOrderType)
	clientOrderID := unique("CL")
	if err := request(func(r *CreateOrderRequest) { r.ClientOrderID = clientOrderID }); err != nil {
		t.Fatal(err)
	}
	expectCode(t, request(func(r *CreateOrderRequest) { r.ClientOrderID = clientOrderID }), ErrDuplicateOrder)
	e = expectCode(t, request(func(r *CreateOrderRequest) { r.OrderedQuantity = dec("1.0000001") }), ErrInvalidArgument)
	if e.Field() != "ordered_quantity" {
		t.Fatalf("field %q", e.Field())
	}

	orderID, placementID := d.routed(t)
	_, err = d.trader.OMS.RecordFill(ctx, &RecordFillRequest{OrderID: orderID, PlacementID: placementID,
		ExecID: unique("EX"), Quantity: dec("1001"), Price: dec("1")})
	expectCode(t, err, ErrOverfill)
	_, err = d.trader.OMS.CreatePlacement(ctx, &CreatePlacementRequest{OrderID: orderID, Venue: "XNYS", Quantity: dec("1")})
	expectCode(t, err, ErrPlacementExceedsUnfilled)
	_, err = d.trader.OMS.CancelPlacement(ctx, "PLC-nope")
	expectCode(t, err, ErrPlacementNotFound)
	execID := unique("EX")
	must(d.trader.OMS.RecordFill(ctx, &RecordFillRequest{OrderID: orderID, ExecID: execID, Quantity: dec("1"), Price: dec("1")}))(t)
	other, _ := d.routed(t)
	_, err = d.trader.OMS.RecordFill(ctx, &RecordFillRequest{OrderID: other, ExecID: execID, Quantity: dec("1"), Price: dec("1")})
	expectCode(t, err, ErrDuplicateFill)

	closed := d.closed(t)
	_, err = d.ops.OMS.CreateAllocation(ctx, &CreateAllocationRequest{OrderID: closed, AccountID: "ACCT-nope",
		PortfolioID: "PORT-001", Quantity: dec("1")})
	expectCode(t, err, ErrInvalidAccount)
	_, err = d.ops.OMS.CreateAllocation(ctx, &CreateAllocationRequest{OrderID: closed, AccountID: "ACCT-001",
		PortfolioID: "PORT-001", Quantity: dec("751")})
	expectCode(t, err, ErrOverAllocation)
	_, err = d.ops.OMS.GetAllocation(ctx, "ALC-nope")
	expectCode(t, err, ErrNotFound)
}

// JSON-RPC's own errors, through the raw Call.
func TestProtocolErrors(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	err := d.pm.Call(ctx, "oms.no_such_method", nil, nil)
	expectCode(t, err, ErrMethodNotFound)
	err = d.pm.Call(ctx, "oms.get_order", map[string]any{"order_id": "x", "colour": "red"}, nil)
	if e := expectCode(t, err, ErrInvalidParams); e.Field() != "colour" || e.Number != -32602 {
		t.Fatalf("invalid params: %+v", e)
	}
	var order Order
	if err := d.pm.Call(ctx, "oms.get_order", map[string]any{"order_id": d.created(t)}, &order); err != nil || order.State != StateCreated {
		t.Fatalf("raw call: %v %+v", err, order)
	}
}

// Without a key only rpc.discover works; a wrong key does not connect.
func TestUnauthenticated(t *testing.T) {
	ctx := ctxFor(t)
	apiKey(t, RolePM)
	_, err := Dial(ctx, Config{Address: ownAddress(t), APIKey: "omsk.demo.Knope.nope"})
	expectCode(t, err, ErrUnauthenticated)
	t.Setenv("OMS_API_KEY", "")
	bare, err := Dial(ctx, Config{Address: serverAddress()})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	bare.observe = observe
	document := must(bare.Discover(ctx))(t)
	if document["openrpc"] == nil {
		t.Fatalf("discover: %v", document)
	}
	_, err = bare.OMS.GetOrder(ctx, "x")
	expectCode(t, err, ErrUnauthenticated)
}

// Idempotency: the same key with the same request returns the first answer
// and changes nothing; with another request it is refused.
func TestIdempotencyKeys(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	key := unique("key")
	req := &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl, Direction: DirectionSell,
		OrderedQuantity: dec("5"), OrderType: OrderTypeMarket, TimeInForce: TIFDay, ClientOrderID: unique("CL")}
	first := must(d.pm.OMS.CreateOrder(ctx, req, WithIdempotencyKey(key)))(t)
	again := must(d.pm.OMS.CreateOrder(ctx, req, WithIdempotencyKey(key)))(t)
	if first != again {
		t.Fatalf("a retry with the same key made another order: %s, %s", first, again)
	}
	req.OrderedQuantity = dec("6")
	_, err := d.pm.OMS.CreateOrder(ctx, req, WithIdempotencyKey(key))
	if e := expectCode(t, err, ErrIdempotencyKeyReused); e.Data["method"] != "oms.create_order" {
		t.Fatalf("data: %v", e.Data)
	}
	// Without a key of its own each call gets a fresh one: two calls, two orders.
	req.ClientOrderID = ""
	a := must(d.pm.OMS.CreateOrder(ctx, req))(t)
	b := must(d.pm.OMS.CreateOrder(ctx, req))(t)
	if a == b {
		t.Fatal("two calls without a key were taken as one")
	}
	_ = context.Background
}
