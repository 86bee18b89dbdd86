package oms

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// collectEvents reads events until done says so, failing after timeout.
func collectEvents[E any](t testing.TB, sub *Subscription[E], timeout time.Duration, done func([]E) bool) []E {
	t.Helper()
	var got []E
	deadline := time.After(timeout)
	for !done(got) {
		select {
		case event, ok := <-sub.Events():
			if !ok {
				t.Fatalf("the subscription ended after %d events: %v", len(got), sub.Err())
			}
			got = append(got, event)
		case <-deadline:
			t.Fatalf("timed out after %s with %d events", timeout, len(got))
		}
	}
	return got
}

func hasOrderEvent(events []OrderEvent, orderID string, state OrderState) bool {
	for _, e := range events {
		if e.OrderID == orderID && e.ToState == state {
			return true
		}
	}
	return false
}

// Compliance events arrive as typed values on the channel, like the page's
// `for event in client.oms.subscribe_compliance(portfolio_id="PORT-001")`.
func TestComplianceEvents(t *testing.T) {
	d := theDemo(t)
	client := dial(t, RoleCompliance, Config{})
	sub := must(client.OMS.SubscribeCompliance(ctxFor(t), &SubscribeRequest{PortfolioID: "PORT-001"}))(t)
	defer sub.Close()
	failed := d.failedPreTrade(t)
	events := collectEvents(t, sub, 10*time.Second, func(es []ComplianceEvent) bool {
		for _, e := range es {
			if e.OrderID == failed && e.EventType == "PRE_TRADE_FAILED" {
				return true
			}
		}
		return false
	})
	last := events[len(events)-1]
	if last.Severity != SeverityHard || last.RuleID != "R-001" || last.PortfolioID != "PORT-001" || last.EventID == 0 ||
		sub.LastEventID() != last.EventID {
		t.Fatalf("event: %+v (last id %d)", last, sub.LastEventID())
	}
}

// An order subscription survives a dropped connection: the client
// resubscribes from the last event it delivered, without gaps or repeats.
func TestOrderSubscriptionResumesAfterADrop(t *testing.T) {
	d := theDemo(t)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address()})
	sub := must(client.OMS.SubscribeOrders(ctxFor(t), &SubscribeRequest{PortfolioID: "PORT-001"}))(t)
	defer sub.Close()
	before := d.created(t)
	got := collectEvents(t, sub, 10*time.Second, func(es []OrderEvent) bool { return hasOrderEvent(es, before, StateCreated) })
	firstID := sub.ID()
	p.drop()
	after := d.pendingPreTrade(t) // committed while the subscription may be down
	got = append(got, collectEvents(t, sub, 10*time.Second, func(es []OrderEvent) bool {
		return hasOrderEvent(es, after, StatePendingPreTradeCompliance)
	})...)
	if sub.Resumed() < 1 || sub.ID() == firstID || p.connections() < 2 {
		t.Fatalf("resumed %d times, id %s (was %s)", sub.Resumed(), sub.ID(), firstID)
	}
	seen := map[int64]bool{}
	for i, e := range got {
		if seen[e.EventID] || (i > 0 && e.EventID <= got[i-1].EventID) {
			t.Fatalf("event %d repeated or out of order", e.EventID)
		}
		seen[e.EventID] = true
		if e.PortfolioID != "PORT-001" {
			t.Fatalf("event of %s", e.PortfolioID)
		}
	}
	if !hasOrderEvent(got, after, StateCreated) {
		t.Fatal("the CREATED event committed during the drop is missing")
	}
}

// Replaying more events than the server buffers per subscription: the
// server ends it (OVERFLOW) and the client resumes from its cursor.
func TestReplayLongerThanTheServerBuffer(t *testing.T) {
	d := theDemo(t)
	buffer, _ := strconv.Atoi(os.Getenv("OMS_TEST_SUBSCRIPTION_BUFFER"))
	count := 3 * buffer
	if count < 30 {
		count = 30
	}
	start := d.created(t)
	cursor := must(d.pm.OMS.GetOrderHistory(ctxFor(t), start))(t)[0].EventID
	orders := make([]string, count)
	for i := range orders {
		orders[i] = d.created(t)
	}
	client := dial(t, RolePM, Config{})
	sub := must(client.OMS.SubscribeOrders(ctxFor(t), &SubscribeRequest{PortfolioID: "PORT-001", AfterEventID: cursor}))(t)
	defer sub.Close()
	got := collectEvents(t, sub, 20*time.Second, func(es []OrderEvent) bool { return hasOrderEvent(es, orders[count-1], StateCreated) })
	mine := map[string]bool{}
	for _, id := range orders {
		mine[id] = true
	}
	var order []string
	seen := map[int64]bool{}
	for _, e := range got {
		if seen[e.EventID] {
			t.Fatalf("event %d delivered twice", e.EventID)
		}
		seen[e.EventID] = true
		if mine[e.OrderID] {
			order = append(order, e.OrderID)
		}
	}
	if len(order) != count {
		t.Fatalf("%d of %d orders' events", len(order), count)
	}
	for i := range order {
		if order[i] != orders[i] {
			t.Fatalf("event %d is of %s, want %s", i, order[i], orders[i])
		}
	}
	if buffer > 0 && sub.Resumed() < 1 {
		t.Fatalf("%d events did not overflow a buffer of %d", count, buffer)
	}
}

// Close unsubscribes and closes the channel; the connection goes on; a
// subscription ends with its context too.
func TestCloseAndContextEndSubscriptions(t *testing.T) {
	d := theDemo(t)
	client := dial(t, RolePM, Config{})
	sub := must(client.OMS.SubscribeOrders(ctxFor(t), nil))(t)
	id := sub.ID()
	if len(id) < 4 || id[:4] != "SUB-" {
		t.Fatalf("subscription id %q", id)
	}
	sub.Close()
	for range sub.Events() {
	}
	if sub.Err() != nil {
		t.Fatalf("Err after Close: %v", sub.Err())
	}
	err := client.OMS.Unsubscribe(ctxFor(t), id)
	expectCode(t, err, ErrNotFound) // Close already unsubscribed it
	must(client.OMS.GetOrder(ctxFor(t), d.created(t)))(t)

	ctx, cancel := context.WithCancel(context.Background())
	compliance := must(client.OMS.SubscribeCompliance(ctx, nil))(t)
	cancel()
	for range compliance.Events() {
	}
	if compliance.Err() != context.Canceled {
		t.Fatalf("Err after cancel: %v", compliance.Err())
	}

	sub = must(client.OMS.SubscribeOrders(ctxFor(t), nil))(t)
	client.Close()
	for range sub.Events() {
	}
	if sub.Err() != nil {
		t.Fatalf("Err after the client's Close: %v", sub.Err())
	}
}
