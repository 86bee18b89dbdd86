package oms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Many goroutines share one client: their calls are pipelined on its one
// connection and each gets its own answer.
func TestGoroutinesShareOneConnection(t *testing.T) {
	d := theDemo(t)
	client := dial(t, RolePM, Config{})
	ctx := ctxFor(t)
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = d.created(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := 0; g < 20; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				id := ids[(g+i)%len(ids)]
				order, err := client.OMS.GetOrder(ctx, id)
				if err == nil && order.OrderID != id {
					err = errors.New("answer of another call: " + order.OrderID + " for " + id)
				}
				if err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if client.Connections() != 1 {
		t.Fatalf("%d connections, want 1", client.Connections())
	}
}

// A call honours its context: cancellation and deadlines end the wait, and
// the client goes on working.
func TestContextCancellationAndDeadline(t *testing.T) {
	apiKey(t, RolePM)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address()})
	p.set(true, false) // requests vanish: no answer will come

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := client.OMS.ListOrders(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(started) > 2*time.Second {
		t.Fatalf("want DeadlineExceeded after 200ms, got %v after %s", err, time.Since(started))
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = client.OMS.GetOrder(ctx, "x")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want Canceled, got %v", err)
	}
	p.set(false, false)
	must(client.OMS.ListOrders(ctxFor(t), &ListOrdersRequest{Limit: 1}))(t)
}

// After the connection drops the next call reconnects and authenticates again.
func TestReconnectAfterADroppedConnection(t *testing.T) {
	d := theDemo(t)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address()})
	id := d.created(t)
	must(client.OMS.GetOrder(ctxFor(t), id))(t)
	p.drop()
	order := must(client.OMS.GetOrder(ctxFor(t), id))(t)
	if order.OrderID != id || client.Connections() != 2 || client.Session().PrincipalID != "demo-pm" {
		t.Fatalf("after reconnect: %d connections, session %+v", client.Connections(), client.Session())
	}
}

// A mutating call whose answer was lost with the connection is sent again
// with the same idempotency key: it takes effect once, and the caller gets
// the first answer.
func TestLostAnswersAreRetriedWithTheSameKey(t *testing.T) {
	d := theDemo(t)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address()})
	clientOrderID := unique("CL")
	p.set(false, true) // the server acts, its answer vanishes
	done := make(chan error, 1)
	var orderID string
	go func() {
		var err error
		orderID, err = client.OMS.CreateOrder(ctxFor(t), &CreateOrderRequest{PortfolioID: "PORT-001", InstrumentID: aapl,
			Direction: DirectionBuy, OrderedQuantity: dec("7"), OrderType: OrderTypeMarket, TimeInForce: TIFDay,
			ClientOrderID: clientOrderID})
		done <- err
	}()
	waitUntil(t, 5*time.Second, "the order to be created", func() bool {
		orders, _ := d.pm.OMS.ListOrders(context.Background(), &ListOrdersRequest{Limit: 20})
		for _, o := range orders {
			if o.ClientOrderID == clientOrderID {
				return true
			}
		}
		return false
	})
	p.set(false, false)
	p.drop()
	if err := <-done; err != nil {
		t.Fatalf("the repeated call failed (without the same key it would be DUPLICATE_ORDER): %v", err)
	}
	if order := must(d.pm.OMS.GetOrder(ctxFor(t), orderID))(t); order.ClientOrderID != clientOrderID {
		t.Fatalf("order: %+v", order)
	}
	if client.Connections() != 2 {
		t.Fatalf("%d connections", client.Connections())
	}
}

// An unreachable server is ErrUnavailable, at Dial and after ReconnectTimeout.
func TestUnreachableServer(t *testing.T) {
	listener, _ := net.Listen("tcp", "127.0.0.1:0")
	address := listener.Addr().String()
	listener.Close()
	_, err := Dial(ctxFor(t), Config{Address: address, APIKey: "k"})
	expectCode(t, err, ErrUnavailable)

	apiKey(t, RolePM)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address(), ReconnectTimeout: 300 * time.Millisecond})
	p.close()
	started := time.Now()
	_, err = client.OMS.ListOrders(ctxFor(t), nil)
	expectCode(t, err, ErrUnavailable)
	if time.Since(started) > 3*time.Second {
		t.Fatalf("gave up after %s", time.Since(started))
	}
}

// A closed client refuses calls and ends the calls waiting in it.
func TestClosedClient(t *testing.T) {
	apiKey(t, RolePM)
	p := newProxy(t, serverAddress(), nil)
	client := dial(t, RolePM, Config{Address: p.address()})
	p.set(true, false)
	done := make(chan error, 1)
	go func() { _, err := client.OMS.ListOrders(ctxFor(t), nil); done <- err }()
	time.Sleep(50 * time.Millisecond)
	client.Close()
	if err := <-done; !errors.Is(err, ErrClientClosed) {
		t.Fatalf("waiting call: %v", err)
	}
	if _, err := client.OMS.ListOrders(ctxFor(t), nil); !errors.Is(err, ErrClientClosed) {
		t.Fatalf("call after Close: %v", err)
	}
}

// TLS with a CA bundle: a TLS front (this test's, with a certificate its
// own CA signed) before the server. The right bundle connects; another CA's
// fails at once, without retrying.
func TestTLSWithACABundle(t *testing.T) {
	apiKey(t, RolePM)
	dir := t.TempDir()
	caFile, serverCert := testCertificates(t, dir, "ca.pem")
	otherCA, _ := testCertificates(t, dir, "other-ca.pem")
	p := newProxy(t, serverAddress(), func(l net.Listener) net.Listener {
		return tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{serverCert}})
	})
	client := dial(t, RolePM, Config{Address: p.address(), CAFile: caFile})
	must(client.OMS.ListOrders(ctxFor(t), &ListOrdersRequest{Limit: 1}))(t)
	p.drop()
	must(client.OMS.ListOrders(ctxFor(t), &ListOrdersRequest{Limit: 1}))(t) // reconnects over TLS

	started := time.Now()
	_, err := Dial(ctxFor(t), Config{Address: p.address(), CAFile: otherCA, APIKey: apiKey(t, RolePM)})
	expectCode(t, err, ErrUnavailable)
	if !strings.Contains(err.Error(), "certificate") || time.Since(started) > 2*time.Second {
		t.Fatalf("untrusted certificate: %v after %s", err, time.Since(started))
	}
	_, err = Dial(ctxFor(t), Config{Address: "localhost:" + portOf(p.address()), CAFile: caFile, APIKey: apiKey(t, RolePM)})
	if err != nil {
		t.Fatalf("the certificate names localhost too: %v", err)
	}
}

func portOf(address string) string {
	_, port, _ := net.SplitHostPort(address)
	return port
}

// testCertificates writes a new CA to dir/name and returns it with a server
// certificate it signed for 127.0.0.1 and localhost.
func testCertificates(t *testing.T, dir, name string) (string, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTemplate := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "OMS test CA " + name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	serverKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serverTemplate := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "oms"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, ca, &serverKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}
}

// The client's catalogue is the server's: every method rpc.discover
// publishes has a Go method, and exactly the mutating ones take an
// idempotency_key (which the client then always sends).
func TestCatalogueMatchesRPCDiscover(t *testing.T) {
	d := theDemo(t)
	document := must(d.pm.Discover(ctxFor(t)))(t)
	methods, _ := document["methods"].([]any)
	published := map[string]bool{}
	for _, entry := range methods {
		m, _ := entry.(map[string]any)
		name, _ := m["name"].(string)
		published[name] = true
		known, ok := catalogue[name]
		if !ok {
			t.Errorf("the server publishes %s; the Go client has no method for it", name)
			continue
		}
		takesKey := false
		list, _ := m["params"].([]any)
		for _, p := range list {
			if param, _ := p.(map[string]any); param["name"] == "idempotency_key" {
				takesKey = true
			}
		}
		if takesKey != known.mutating {
			t.Errorf("%s: idempotency_key accepted %v, the client thinks mutating %v", name, takesKey, known.mutating)
		}
	}
	var gone []string
	for name := range catalogue {
		if !published[name] {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		t.Errorf("the client knows methods the server does not publish: %v", gone)
	}
}

// Every error code rpc.discover publishes has its sentinel, with the same number.
func TestEveryPublishedCodeHasASentinel(t *testing.T) {
	d := theDemo(t)
	document := must(d.pm.Discover(ctxFor(t)))(t)
	components, _ := document["components"].(map[string]any)
	codes, _ := components["x-error-codes"].([]any)
	if len(codes) == 0 {
		t.Fatal("rpc.discover publishes no x-error-codes")
	}
	for _, entry := range codes {
		c, _ := entry.(map[string]any)
		name, _ := c["name"].(string)
		number := c["code"]
		found := false
		for _, s := range Sentinels() {
			if string(s.Code) == name {
				found = true
				if n, _ := number.(interface{ String() string }); n == nil || n.String() != strconv.Itoa(s.Number) {
					t.Errorf("%s: the server says %v, the sentinel %d", name, number, s.Number)
				}
			}
		}
		if !found {
			t.Errorf("no sentinel for %s", name)
		}
	}
}
