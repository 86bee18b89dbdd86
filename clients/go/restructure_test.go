package oms

import (
	"testing"

	"github.com/shopspring/decimal"
)

// Baskets, merges, splits and remainders, with the links between orders.
func TestBasketsMergesSplitsAndRemainders(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	ids := []string{d.created(t), d.created(t)}
	basketID := must(d.pm.OMS.CreateBasket(ctx, "Tech Rebalance 2026-03-27", ids))(t)
	basket := must(d.pm.OMS.GetBasket(ctx, basketID))(t)
	if basket.Name != "Tech Rebalance 2026-03-27" || len(basket.OrderIDs) != 2 || basket.CreatedBy != "demo-pm" {
		t.Fatalf("basket: %+v", basket)
	}
	for _, id := range ids {
		must(d.pm.OMS.RequestPreTradeCompliance(ctx, id))(t)
		must(d.compliance.OMS.PassPreTradeCompliance(ctx, id))(t)
	}
	sent := must(d.pm.OMS.SendBasketToTrader(ctx, basketID))(t)
	if len(sent) != 2 || sent[0].State != StateSentToTrader || sent[1].State != StateSentToTrader {
		t.Fatalf("basket sent: %+v", sent)
	}
	_, err := d.pm.OMS.CreateBasket(ctx, "again", ids[:1])
	e := expectCode(t, err, ErrBasketConflict)
	if e.Data["basket_id"] != basketID {
		t.Fatalf("data: %v", e.Data)
	}

	sources := []string{d.created(t), d.created(t)}
	merged := must(d.pm.OMS.MergeOrders(ctx, sources))(t)
	order := must(d.pm.OMS.GetOrder(ctx, merged))(t)
	if !order.OrderedQuantity.Equal(dec("2000")) || d.state(t, sources[0]) != StateCanceled {
		t.Fatalf("merged: %+v", order)
	}
	if links := must(d.pm.OMS.ListOrderLinks(ctx, merged))(t); len(links) != 2 || links[0].Kind != "MERGE" {
		t.Fatalf("merge links: %+v", links)
	}

	source := d.created(t)
	parts := must(d.pm.OMS.SplitOrder(ctx, source, []decimal.Decimal{dec("400"), dec("600.00")}))(t)
	if len(parts) != 2 || d.state(t, source) != StateCanceled {
		t.Fatalf("split: %v", parts)
	}
	if second := must(d.pm.OMS.GetOrder(ctx, parts[1]))(t); wireDecimal(second.OrderedQuantity) != "600.00" {
		t.Fatalf("split quantity %s", wireDecimal(second.OrderedQuantity))
	}

	partial := d.partiallyFilled(t)
	closed := must(d.trader.OMS.CloseOrder(ctx, partial, CreateRemainder()))(t)
	if closed.RemainderOrderID == "" || !closed.UnfilledQuantity.Equal(dec("250")) {
		t.Fatalf("close with remainder: %+v", closed)
	}
	remainder := must(d.pm.OMS.GetOrder(ctx, closed.RemainderOrderID))(t)
	if !remainder.OrderedQuantity.Equal(dec("250")) || remainder.State != StateCreated {
		t.Fatalf("remainder: %+v", remainder)
	}
	links := must(d.pm.OMS.ListOrderLinks(ctx, partial))(t)
	if len(links) != 1 || links[0].Kind != "REMAINDER" || links[0].TargetOrderID != closed.RemainderOrderID {
		t.Fatalf("remainder links: %+v", links)
	}
}
