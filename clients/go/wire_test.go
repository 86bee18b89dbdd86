package oms

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// What goes on the wire, checked against a scripted server: no OMS needed.

func param(t *testing.T, r fakeRequest, name string) string {
	t.Helper()
	raw, ok := r.Params[name]
	if !ok {
		return "<absent>"
	}
	return string(raw)
}

// Decimals are strings with their own scale, times RFC 3339 UTC; zero
// optional fields are left out; mutating calls carry a generated
// idempotency key (a new one per call), reads none.
func TestWireFormOfCalls(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, c net.Conn, r fakeRequest) {
		s.answer(c, r.ID, map[string]any{"order_id": "ORD-1", "order_ids": []string{"A", "B"}, "state": "CREATED"})
	})
	client := dialFake(t, s)
	ctx := ctxFor(t)
	for i := 0; i < 2; i++ {
		must(client.OMS.CreateOrder(ctx, &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl,
			Direction: DirectionBuy, OrderedQuantity: dec("1000.000"), OrderType: OrderTypeLimit, TimeInForce: TIFGTD,
			LimitPrice: decimal.NewFromFloat(150.25), ExpireAt: time.Date(2026, 3, 27, 16, 5, 9, 123456000, time.FixedZone("", 7200)),
			Metadata: map[string]any{"fee": dec("0.10")}}))(t)
	}
	must(client.OMS.SplitOrder(ctx, "ORD-1", []decimal.Decimal{dec("1.50"), dec("1e3")}))(t)
	must(client.OMS.GetOrder(ctx, "ORD-1"))(t)
	must(client.OMS.UpdateOrder(ctx, "ORD-1", &OrderChanges{LimitPrice: decimal.NewFromFloat(151.00), Clear: []string{"stop_price"}}))(t)

	creates := s.calls("oms.create_order")
	first := creates[0]
	for name, want := range map[string]string{"ordered_quantity": `"1000.000"`, "limit_price": `"150.25"`,
		"expire_at": `"2026-03-27T14:05:09.123456Z"`, "stop_price": "<absent>", "basket_id": "<absent>",
		"metadata": `{"fee":"0.10"}`, "direction": `"Buy"`, "time_in_force": `"GTD"`} {
		if got := param(t, first, name); got != want {
			t.Errorf("create_order %s = %s, want %s", name, got, want)
		}
	}
	key1, key2 := param(t, creates[0], "idempotency_key"), param(t, creates[1], "idempotency_key")
	if !strings.HasPrefix(key1, `"go-`) || len(key1) != 37 || key1 == key2 {
		t.Errorf("generated keys %s, %s", key1, key2)
	}
	if got := param(t, s.calls("oms.split_order")[0], "quantities"); got != `["1.50","1000"]` {
		t.Errorf("quantities = %s", got)
	}
	if got := param(t, s.calls("oms.get_order")[0], "idempotency_key"); got != "<absent>" {
		t.Errorf("a read carries a key: %s", got)
	}
	if got := param(t, s.calls("oms.update_order")[0], "changes"); got != `{"limit_price":"151","stop_price":null}` {
		t.Errorf("changes = %s", got)
	}
}

// Answers are matched by id, whatever their order: the server answers a
// batch of pipelined calls last first.
func TestPipelinedCallsAnsweredOutOfOrder(t *testing.T) {
	const n = 10
	var mu sync.Mutex
	var held []fakeRequest
	s := newFakeServer(t, func(s *fakeServer, c net.Conn, r fakeRequest) {
		mu.Lock()
		held = append(held, r)
		if len(held) == n {
			for i := n - 1; i >= 0; i-- {
				id := strings.Trim(param(t, held[i], "order_id"), `"`)
				s.answer(c, held[i].ID, map[string]any{"order_id": id})
			}
		}
		mu.Unlock()
	})
	client := dialFake(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			order, err := client.OMS.GetOrder(ctxFor(t), id)
			if err == nil && order.OrderID != id {
				err = errors.New("got " + order.OrderID + " for " + id)
			}
			errs <- err
		}(string(rune('A' + i)))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A mutating call in flight when the connection drops is sent again on a
// new connection with the same idempotency key; a read is sent again too;
// oms.unsubscribe is not (ErrConnectionLost).
func TestInFlightCallsAfterADrop(t *testing.T) {
	var mu sync.Mutex
	dropped := map[string]bool{}
	s := newFakeServer(t, func(s *fakeServer, c net.Conn, r fakeRequest) {
		mu.Lock()
		first := !dropped[r.Method]
		dropped[r.Method] = true
		mu.Unlock()
		if first {
			c.Close() // the request arrived, its answer never will
			return
		}
		s.answer(c, r.ID, map[string]any{"order_id": "ORD-9", "state": "CANCELED"})
	})
	client := dialFake(t, s)
	ctx := ctxFor(t)
	order := must(client.OMS.CancelOrder(ctx, "ORD-9"))(t)
	if order.State != StateCanceled {
		t.Fatalf("order %+v", order)
	}
	sent := s.calls("oms.cancel_order")
	if len(sent) != 2 || sent[0].Conn == sent[1].Conn ||
		param(t, sent[0], "idempotency_key") != param(t, sent[1], "idempotency_key") {
		t.Fatalf("cancel_order sent %d times: %+v", len(sent), sent)
	}
	must(client.OMS.GetOrder(ctx, "ORD-9"))(t)
	if len(s.calls("oms.get_order")) != 2 {
		t.Fatal("the read was not repeated")
	}
	err := client.OMS.Unsubscribe(ctx, "SUB-1")
	if !errors.Is(err, ErrConnectionLost) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unsubscribe on a dropped connection: %v", err)
	}
	if len(s.calls("session.authenticate")) != 3 || client.Connections() != 3 { // one per dropped call; the third not yet replaced
		t.Fatalf("%d authentications, %d connections", len(s.calls("session.authenticate")), client.Connections())
	}
}

// A subscription's events follow its answer on the reader, so none is lost
// between the answer and the route; an OVERFLOW end resumes from the last
// delivered event with after_event_id.
func TestSubscriptionRoutingAndOverflow(t *testing.T) {
	s := newFakeServer(t, func(s *fakeServer, c net.Conn, r fakeRequest) {
		switch r.Method {
		case "oms.subscribe_orders":
			count := len(s.calls("oms.subscribe_orders"))
			id := "SUB-" + string(rune('0'+count))
			s.answer(c, r.ID, map[string]any{"subscription_id": id})
			if count == 1 {
				for e := 1; e <= 3; e++ {
					s.send(c, map[string]any{"method": "oms.order_event", "params": map[string]any{"subscription_id": id,
						"event": map[string]any{"event_id": e, "order_id": "ORD-1", "to_state": "CREATED"}}})
				}
				s.send(c, map[string]any{"method": "oms.subscription_ended", "params": map[string]any{
					"subscription_id": id, "reason": "OVERFLOW", "last_event_id": 3}})
			} else {
				s.send(c, map[string]any{"method": "oms.order_event", "params": map[string]any{"subscription_id": id,
					"event": map[string]any{"event_id": 4, "order_id": "ORD-1", "to_state": "CANCELED"}}})
			}
		default:
			s.answer(c, r.ID, map[string]any{"ok": true})
		}
	})
	client := dialFake(t, s)
	sub := must(client.OMS.SubscribeOrders(ctxFor(t), &SubscribeRequest{PortfolioID: "PORT-001"}))(t)
	got := collectEvents(t, sub, 5*time.Second, func(es []OrderEvent) bool { return len(es) == 4 })
	for i, e := range got {
		if e.EventID != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.EventID)
		}
	}
	subscribes := s.calls("oms.subscribe_orders")
	if len(subscribes) != 2 || param(t, subscribes[0], "after_event_id") != "<absent>" ||
		param(t, subscribes[1], "after_event_id") != "3" || param(t, subscribes[1], "portfolio_id") != `"PORT-001"` {
		t.Fatalf("subscribes: %+v", subscribes)
	}
	if sub.Resumed() != 1 || sub.ID() != "SUB-2" || sub.LastEventID() != 4 {
		t.Fatalf("resumed %d, id %s, last %d", sub.Resumed(), sub.ID(), sub.LastEventID())
	}
	sub.Close()
	if unsubscribes := s.calls("oms.unsubscribe"); len(unsubscribes) != 1 || param(t, unsubscribes[0], "subscription_id") != `"SUB-2"` {
		t.Fatalf("unsubscribes: %+v", unsubscribes)
	}
}

// A connection-level error (id null) fails the calls of that connection
// with its code: too many connections from this address.
func TestConnectionLevelError(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	go func() {
		for {
			c, err := listener.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32026,"message":"too many connections",` +
				`"data":{"code":"LIMIT_EXCEEDED","limit":"max_connections_per_address","maximum":256}}}` + "\n"))
			c.Close()
		}
	}()
	_, err = Dial(ctxFor(t), Config{Address: listener.Addr().String(), APIKey: "k"})
	if e := expectCode(t, err, ErrLimitExceeded); e.Data["limit"] != "max_connections_per_address" {
		t.Fatalf("data: %v", e.Data)
	}
	_ = context.Background
}
