package oms

import (
	"testing"
	"time"
)

// An order walks the whole happy path, every command with the role that
// may run it, and each answer carries the new state.
func TestAnOrderWalksTheWholeLifecycle(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	orderID := must(d.pm.OMS.CreateOrder(ctx, &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl,
		Direction: DirectionBuy, OrderedQuantity: dec("1000"), OrderType: OrderTypeLimit, TimeInForce: TIFDay,
		LimitPrice: dec("150.20"), CounterpartyID: "CP-1", Metadata: map[string]any{"desk": "tech", "n": dec("1.50")},
		ClientOrderID: unique("CL")}))(t)
	order := must(d.pm.OMS.GetOrder(ctx, orderID))(t)
	if order.State != StateCreated || order.Owner != "PM" || order.LimitPrice.String() != "150.2" ||
		wireDecimal(order.LimitPrice) != "150.20" || order.CounterpartyID != "CP-1" || order.Metadata["desk"] != "tech" ||
		order.Metadata["n"] != "1.50" || order.Version != 1 || order.CreatedAt.IsZero() {
		t.Fatalf("created order: %+v", order)
	}
	updated, err := d.pm.OMS.UpdateOrder(ctx, orderID, &OrderChanges{OrderedQuantity: dec("1000.000000"),
		TimeInForce: TIFGTC, Clear: []string{"counterparty_id"}})
	expectState(t, updated, err, StateCreated)
	if updated.TimeInForce != TIFGTC || updated.CounterpartyID != "" || wireDecimal(updated.OrderedQuantity) != "1000.000000" {
		t.Fatalf("updated order: %+v", updated)
	}
	order, err = d.pm.OMS.RequestPreTradeCompliance(ctx, orderID)
	expectState(t, order, err, StatePendingPreTradeCompliance)
	order, err = d.compliance.OMS.PassPreTradeCompliance(ctx, orderID)
	expectState(t, order, err, StatePreTradeCompliancePassed)
	order, err = d.pm.OMS.SendToTrader(ctx, orderID)
	expectState(t, order, err, StateSentToTrader)
	placementID := must(d.trader.OMS.CreatePlacement(ctx, &CreatePlacementRequest{OrderID: orderID, Venue: "XNYS",
		Quantity: dec("1000"), BrokerID: "BRK-1", Strategy: "VWAP"}))(t)
	executedAt := time.Date(2026, 3, 27, 14, 5, 9, 123456000, time.UTC)
	order, err = d.trader.OMS.RecordFill(ctx, &RecordFillRequest{OrderID: orderID, PlacementID: placementID,
		ExecID: unique("EX"), Quantity: dec("400"), Price: dec("150.10"), ExecutedAt: executedAt})
	expectState(t, order, err, StatePartiallyFilled)
	order, err = d.trader.OMS.RecordFill(ctx, &RecordFillRequest{OrderID: orderID, PlacementID: placementID,
		ExecID: unique("EX"), Quantity: dec("600"), Price: dec("150.30")})
	expectState(t, order, err, StateFilled)
	placements := must(d.trader.OMS.ListPlacements(ctx, orderID))(t)
	if len(placements) != 1 || placements[0].PlacementID != placementID || !placements[0].FilledQuantity.Equal(dec("1000")) ||
		placements[0].BrokerID != "BRK-1" || placements[0].Strategy != "VWAP" {
		t.Fatalf("placements: %+v", placements)
	}
	closed := must(d.trader.OMS.CloseOrder(ctx, orderID))(t)
	if closed.Order.State != StateClosed || !closed.ExecutedQuantity.Equal(dec("1000")) || !closed.UnfilledQuantity.IsZero() {
		t.Fatalf("close: %+v", closed)
	}
	order, err = d.trader.OMS.SendToOperations(ctx, orderID)
	expectState(t, order, err, StateSentToOperations)
	order, err = d.ops.OMS.RequestPostTradeCompliance(ctx, orderID)
	expectState(t, order, err, StatePendingPostTradeCompliance)
	order, err = d.compliance.OMS.PassPostTradeCompliance(ctx, orderID)
	expectState(t, order, err, StatePostTradeCompliancePassed)

	first := must(d.ops.OMS.CreateAllocation(ctx, &CreateAllocationRequest{OrderID: orderID, AccountID: "ACCT-001",
		PortfolioID: "PORT-001", Quantity: dec("600")}))(t)
	second := must(d.ops.OMS.CreateAllocation(ctx, &CreateAllocationRequest{OrderID: orderID, AccountID: "ACCT-001",
		PortfolioID: "PORT-001", Quantity: dec("100")}))(t)
	_, err = d.ops.OMS.ConfirmOrder(ctx, orderID)
	expectCode(t, err, ErrAllocationIncomplete)
	allocation := must(d.ops.OMS.UpdateAllocation(ctx, second, &AllocationChanges{Quantity: dec("400.0")}))(t)
	if wireDecimal(allocation.Quantity) != "400.0" || allocation.Version != 2 {
		t.Fatalf("updated allocation: %+v", allocation)
	}
	allocations := must(d.ops.OMS.ListAllocations(ctx, orderID))(t)
	if len(allocations) != 2 || allocations[0].AllocationID != first || allocations[1].AllocationID != second {
		t.Fatalf("allocations: %+v", allocations)
	}
	order, err = d.ops.OMS.ConfirmOrder(ctx, orderID)
	expectState(t, order, err, StateConfirmed)
	order, err = d.ops.OMS.SettleOrder(ctx, orderID)
	expectState(t, order, err, StateSettled)
	order, err = d.ops.OMS.ReconcileOrder(ctx, orderID)
	expectState(t, order, err, StateReconciled)

	history := must(d.pm.OMS.GetOrderHistory(ctx, orderID))(t)
	if len(history) != order.Version || history[0].Command != "create_order" || history[0].FromState != "" ||
		history[len(history)-1].ToState != StateReconciled || history[0].ActorRole != RolePM {
		t.Fatalf("history of %d events: first %+v", len(history), history[0])
	}
	for i := 1; i < len(history); i++ {
		if history[i].Sequence != history[i-1].Sequence+1 || history[i].EventID <= history[i-1].EventID {
			t.Fatalf("history out of order at %d: %+v", i, history[i])
		}
	}
}

// Compliance failures and overrides, pre- and post-trade; rejection,
// cancellation and a canceled placement.
func TestFailedChecksOverridesRejectionsAndCancels(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	failed := d.failedPreTrade(t)
	if state := d.state(t, failed); state != StatePreTradeComplianceFailed {
		t.Fatalf("state %s", state)
	}
	overrideID := must(d.compliance.OMS.OverridePreTradeCompliance(ctx, failed, "CIO approved", "USER-0042"))(t)
	if overrideID == "" || d.state(t, failed) != StatePreTradeCompliancePassed {
		t.Fatalf("override %q, state %s", overrideID, d.state(t, failed))
	}

	post := d.pendingPostTrade(t)
	order, err := d.compliance.OMS.FailPostTradeCompliance(ctx, post, []Violation{violation})
	expectState(t, order, err, StatePostTradeComplianceFailed)
	overrideID = must(d.compliance.OMS.OverridePostTradeCompliance(ctx, post, "ok", "USER-0042"))(t)
	if overrideID == "" || d.state(t, post) != StatePostTradeCompliancePassed {
		t.Fatalf("post-trade override %q, state %s", overrideID, d.state(t, post))
	}

	rejected, err := d.system.OMS.RejectOrder(ctx, d.created(t), "venue down")
	expectState(t, rejected, err, StateRejected)

	canceled, err := d.pm.OMS.CancelOrder(ctx, d.created(t), WithReason("changed my mind"))
	expectState(t, canceled, err, StateCanceled)
	if canceled.CancelReason != "changed my mind" {
		t.Fatalf("cancel reason %q", canceled.CancelReason)
	}

	orderID, placementID := d.routed(t)
	placement := must(d.trader.OMS.CancelPlacement(ctx, placementID))(t)
	if placement.State != "CANCELED" || placement.OrderID != orderID {
		t.Fatalf("placement: %+v", placement)
	}
}

// ListOrders filters by every field and returns the newest first.
func TestListOrdersFilters(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	before := time.Now().Add(-time.Second)
	a, _ := d.routed(t)
	b, _ := d.routed(t)
	d.withTrader(t)
	orders := must(d.pm.OMS.ListOrders(ctx, &ListOrdersRequest{PortfolioID: "PORT-001", InstrumentID: aapl,
		State: StateRouted, Direction: DirectionBuy, CreatedAfter: before, CreatedBefore: time.Now().Add(time.Hour), Limit: 50}))(t)
	if len(orders) < 2 || orders[0].OrderID != b || orders[1].OrderID != a {
		t.Fatalf("want %s, %s first; got %d orders", b, a, len(orders))
	}
	for i, order := range orders {
		if order.State != StateRouted || order.PortfolioID != "PORT-001" || (i > 0 && order.CreatedAt.After(orders[i-1].CreatedAt)) {
			t.Fatalf("order %d: %+v", i, order)
		}
	}
	page := must(d.pm.OMS.ListOrders(ctx, &ListOrdersRequest{Limit: 1, Offset: 1}))(t)
	all := must(d.pm.OMS.ListOrders(ctx, nil))(t)
	if len(page) != 1 || len(all) < 2 || page[0].OrderID != all[1].OrderID {
		t.Fatalf("limit/offset: %d orders, all %d", len(page), len(all))
	}
}
