package oms

// Shared test setup. The live tests run against a server with the demo
// data of `oms serve` (portfolios PORT-001/PORT-002, accounts ACCT-001/
// ACCT-002, AAPL at 150.25). `swift test` starts one and sets:
//
//	OMS_ADDRESS    host:port of the server (default 127.0.0.1:9191)
//	OMS_DEMO_KEYS  the demo keys file (default <repo>/.oms/demo-keys.json)
//
// Without a server the live tests fail with a message saying so; the
// offline tests (offline_test.go, wire_test.go) need none.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const aapl = "INS-01936d8a-7c1e-7b2a-8f3d-4e5a6b7c8d9e"

var violation = Violation{RuleID: "R-001", RuleName: "Max Position Size", Severity: SeverityHard,
	Description: "Would exceed 5% single-name limit"}

func serverAddress() string {
	if address := os.Getenv("OMS_ADDRESS"); address != "" {
		return address
	}
	return DefaultAddress
}

func keysFile() string {
	if path := os.Getenv("OMS_DEMO_KEYS"); path != "" {
		return path
	}
	return filepath.Join("..", "..", ".oms", "demo-keys.json")
}

var (
	keysOnce sync.Once
	keys     map[string]struct {
		APIKey      string `json:"api_key"`
		KeyID       string `json:"key_id"`
		PrincipalID string `json:"principal_id"`
	}
	keysErr error
)

func apiKey(t testing.TB, role Role) string {
	t.Helper()
	keysOnce.Do(func() {
		var data []byte
		if data, keysErr = os.ReadFile(keysFile()); keysErr == nil {
			var raw map[string]json.RawMessage
			keysErr = json.Unmarshal(data, &raw)
			keys = map[string]struct {
				APIKey      string `json:"api_key"`
				KeyID       string `json:"key_id"`
				PrincipalID string `json:"principal_id"`
			}{}
			for name, value := range raw {
				entry := keys[name]
				if json.Unmarshal(value, &entry) == nil {
					keys[name] = entry
				}
			}
		}
	})
	if keysErr != nil {
		t.Fatalf("no demo API keys at %s (%v): these tests need a running OMS server with the demo tenant; "+
			"run `swift run oms serve` (or `swift test`, which starts one), or set OMS_ADDRESS and OMS_DEMO_KEYS",
			keysFile(), keysErr)
	}
	return keys[string(role)].APIKey
}

// observed records every method the live tests call, for TestMain's
// check that the suite covers the whole catalogue.
var observed = struct {
	sync.Mutex
	methods map[string]bool
}{methods: map[string]bool{}}

func observe(method string) {
	observed.Lock()
	observed.methods[method] = true
	observed.Unlock()
}

// dial connects with role's key (to address, or the server), closing the
// client when the test ends.
func dial(t testing.TB, role Role, config Config) *Client {
	t.Helper()
	if config.Address == "" {
		config.Address = serverAddress()
	}
	if config.APIKey == "" && role != "" {
		config.APIKey = apiKey(t, role)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err := Dial(ctx, config)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			t.Fatalf("no OMS server at %s (%v): start `swift run oms serve` or set OMS_ADDRESS", config.Address, err)
		}
		t.Fatalf("Dial as %s: %v", role, err)
	}
	client.observe = observe
	t.Cleanup(func() { client.Close() })
	return client
}

// demo holds one client per demo role, shared by the tests.
type demo struct {
	pm, trader, ops, compliance, system, admin *Client
}

var (
	demoOnce   sync.Once
	demoShared *demo
)

func theDemo(t testing.TB) *demo {
	t.Helper()
	apiKey(t, RolePM) // fails the test clearly when there are no keys
	demoOnce.Do(func() {
		d := &demo{}
		for _, entry := range []struct {
			role   Role
			client **Client
		}{{RolePM, &d.pm}, {RoleTrader, &d.trader}, {RoleOps, &d.ops}, {RoleCompliance, &d.compliance},
			{RoleSystem, &d.system}, {RoleAdmin, &d.admin}} {
			client, err := Dial(context.Background(), Config{Address: serverAddress(), APIKey: apiKey(t, entry.role)})
			if err != nil {
				return
			}
			client.observe = observe
			*entry.client = client
		}
		demoShared = d
	})
	if demoShared == nil || demoShared.admin == nil {
		t.Fatalf("cannot connect the demo role clients to %s: start `swift run oms serve` or set OMS_ADDRESS", serverAddress())
	}
	return demoShared
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dec(text string) decimal.Decimal { return decimal.RequireFromString(text) }

func unique(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// must(call())(t) is call's value, failing t on its error.
func must[T any](value T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return value
	}
}

func (d *demo) state(t testing.TB, orderID string) OrderState {
	t.Helper()
	return must(d.pm.OMS.GetOrder(ctxFor(t), orderID))(t).State
}

func (d *demo) created(t testing.TB) string {
	t.Helper()
	return must(d.pm.OMS.CreateOrder(ctxFor(t), &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl,
		Direction: DirectionBuy, OrderedQuantity: dec("1000"), OrderType: OrderTypeLimit, TimeInForce: TIFDay,
		LimitPrice: dec("150.25")}))(t)
}

func (d *demo) pendingPreTrade(t testing.TB) string {
	t.Helper()
	id := d.created(t)
	must(d.pm.OMS.RequestPreTradeCompliance(ctxFor(t), id))(t)
	return id
}

func (d *demo) failedPreTrade(t testing.TB) string {
	t.Helper()
	id := d.pendingPreTrade(t)
	must(d.compliance.OMS.FailPreTradeCompliance(ctxFor(t), id, []Violation{violation}))(t)
	return id
}

func (d *demo) withTrader(t testing.TB) string {
	t.Helper()
	id := d.pendingPreTrade(t)
	must(d.compliance.OMS.PassPreTradeCompliance(ctxFor(t), id))(t)
	must(d.pm.OMS.SendToTrader(ctxFor(t), id))(t)
	return id
}

func (d *demo) routed(t testing.TB) (orderID, placementID string) {
	t.Helper()
	orderID = d.withTrader(t)
	placementID = must(d.trader.OMS.CreatePlacement(ctxFor(t), &CreatePlacementRequest{OrderID: orderID,
		Venue: "XNYS", Quantity: dec("1000")}))(t)
	return orderID, placementID
}

func (d *demo) partiallyFilled(t testing.TB) string {
	t.Helper()
	orderID, placementID := d.routed(t)
	must(d.trader.OMS.RecordFill(ctxFor(t), &RecordFillRequest{OrderID: orderID, PlacementID: placementID,
		ExecID: unique("EX"), Quantity: dec("750"), Price: dec("150.20")}))(t)
	return orderID
}

func (d *demo) closed(t testing.TB) string {
	t.Helper()
	orderID := d.partiallyFilled(t)
	must(d.trader.OMS.CloseOrder(ctxFor(t), orderID))(t)
	return orderID
}

func (d *demo) pendingPostTrade(t testing.TB) string {
	t.Helper()
	orderID := d.closed(t)
	must(d.trader.OMS.SendToOperations(ctxFor(t), orderID))(t)
	must(d.ops.OMS.RequestPostTradeCompliance(ctxFor(t), orderID))(t)
	return orderID
}

func expectState(t testing.TB, order *Order, err error, want OrderState) {
	t.Helper()
	if err != nil {
		t.Fatalf("want state %s: %v", want, err)
	}
	if order.State != want {
		t.Fatalf("state %s, want %s", order.State, want)
	}
}

func expectCode(t testing.TB, err error, want *Error) *Error {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("want %s, got %v", want.Code, err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not an *oms.Error", err)
	}
	return e
}

func waitUntil(t testing.TB, timeout time.Duration, what string, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// proxy is a TCP proxy in front of the server whose connections a test can
// cut: drop closes them all (a restarting server, a broken network); with
// holdRequests the client's bytes are swallowed, with holdAnswers the
// server's, so a call stays unanswered until the drop.
type proxy struct {
	listener     net.Listener
	target       string
	source       *net.TCPAddr // the address the server sees, when not the default
	mu           sync.Mutex
	conns        []net.Conn
	accepted     int
	holdRequests bool
	holdAnswers  bool
}

func newProxy(t testing.TB, target string, wrap func(net.Listener) net.Listener) *proxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		listener = wrap(listener)
	}
	p := &proxy{listener: listener, target: target}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) address() string { return p.listener.Addr().String() }

// ownAddress is a proxy to the server whose connections come from a loopback
// address of their own (127.x.y.z). Tests that fail authentication on
// purpose go through one: the server rate-limits failed authentications per
// client address (10 a minute), and the rest of the suite, or a rerun within
// the minute, must not pay for them.
func ownAddress(t testing.TB) string {
	p := newProxy(t, serverAddress(), nil)
	var b [3]byte
	_, _ = rand.Read(b[:])
	p.mu.Lock()
	p.source = &net.TCPAddr{IP: net.IPv4(127, b[0]|1, b[1], b[2]|1)}
	p.mu.Unlock()
	return p.address()
}

func (p *proxy) accept() {
	for {
		down, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		source := p.source
		p.mu.Unlock()
		dialer := net.Dialer{}
		if source != nil {
			dialer.LocalAddr = source
		}
		up, err := dialer.Dial("tcp", p.target)
		if err != nil && source != nil {
			up, err = net.Dial("tcp", p.target) // no such loopback address here (macOS): the default
		}
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		p.accepted++
		p.conns = append(p.conns, down, up)
		p.mu.Unlock()
		go p.pump(down, up, func() bool { return p.held(true) })
		go p.pump(up, down, func() bool { return p.held(false) })
	}
}

func (p *proxy) held(requests bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if requests {
		return p.holdRequests
	}
	return p.holdAnswers
}

func (p *proxy) set(requests, answers bool) {
	p.mu.Lock()
	p.holdRequests, p.holdAnswers = requests, answers
	p.mu.Unlock()
}

func (p *proxy) pump(from, to net.Conn, hold func() bool) {
	buffer := make([]byte, 64*1024)
	for {
		n, err := from.Read(buffer)
		if n > 0 && !hold() {
			if _, werr := to.Write(buffer[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	from.Close()
	to.Close()
}

func (p *proxy) drop() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (p *proxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *proxy) close() {
	p.listener.Close()
	p.drop()
}

var _ = io.EOF

// TestMain checks, after a full run, that the live tests called every
// method of the catalogue.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && fullRun() {
		observed.Lock()
		var missing []string
		for method := range catalogue {
			if !observed.methods[method] && method != "session.authenticate" {
				missing = append(missing, method)
			}
		}
		observed.Unlock()
		sort.Strings(missing)
		if len(missing) > 0 {
			os.Stderr.WriteString("FAIL: no test called " + joinComma(missing) + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

func fullRun() bool {
	for _, arg := range os.Args[1:] {
		if len(arg) >= 10 && arg[:10] == "-test.run=" {
			return false
		}
	}
	return true
}

func joinComma(items []string) string {
	out := ""
	for i, item := range items {
		if i > 0 {
			out += ", "
		}
		out += item
	}
	return out
}
