// Package oms is the Go client of the OMS JSON-RPC server (`oms serve`):
// one connection per client, shared by any number of goroutines, with
// calls pipelined on it and matched by id; reconnects after a drop;
// subscriptions as channels that resume from their cursor; typed errors
// for errors.Is / errors.As; decimals as decimal.Decimal, exact on the wire.
//
//	client, err := oms.Dial(ctx, oms.Config{Address: "127.0.0.1:9191", APIKey: key})
//	orderID, err := client.OMS.CreateOrder(ctx, &oms.CreateOrderRequest{…})
package oms

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClientClosed is the error of a call made on (or waiting in) a closed client.
var ErrClientClosed = errors.New("oms: the client is closed")

// Client is a connection to the OMS server. It is safe for concurrent use.
type Client struct {
	// OMS offers every method of the server's catalogue (docs/api.md),
	// named in Go: oms.create_order is OMS.CreateOrder, ems.record_fill is
	// OMS.RecordFill, admin.create_portfolio is OMS.CreatePortfolio,
	// market.set_price is OMS.SetPrice.
	OMS *OMSService

	config   Config
	host     string
	hostPort string
	tls      *tls.Config

	nextID      atomic.Int64
	connections atomic.Int64
	connecting  chan struct{} // a one-slot semaphore: one dial at a time

	mu       sync.Mutex // guards conn, session, closed, subs
	conn     *conn
	session  Session
	closed   bool
	closedCh chan struct{}
	subs     map[closer]struct{}

	// observe, when set (by tests), sees every method called.
	observe func(method string)
}

type closer interface{ Close() error }

// Dial connects to the server and authenticates with config.APIKey. It
// tries once: an unreachable server is ErrUnavailable, a refused key
// ErrUnauthenticated. Later drops are repaired by the client itself.
func Dial(ctx context.Context, config Config) (*Client, error) {
	config = config.withDefaults()
	host, hostPort, err := splitAddress(config.Address)
	if err != nil {
		return nil, err
	}
	tlsConfig, err := config.tlsConfig(host)
	if err != nil {
		return nil, err
	}
	c := &Client{config: config, host: host, hostPort: hostPort, tls: tlsConfig,
		connecting: make(chan struct{}, 1), closedCh: make(chan struct{}), subs: map[closer]struct{}{}}
	c.OMS = &OMSService{client: c}
	cn, err := c.open(ctx)
	if err != nil {
		return nil, unwrapPermanent(err)
	}
	c.conn = cn
	return c, nil
}

// Session is who the client authenticated as (session.authenticate's answer).
func (c *Client) Session() Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Connections is how many connections the client has opened (1 + reconnects).
func (c *Client) Connections() int { return int(c.connections.Load()) }

// Address is the host:port the client dials.
func (c *Client) Address() string { return c.hostPort }

// Close ends every subscription and closes the connection. Calls waiting
// for an answer return ErrClientClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.closedCh)
	subs := make([]closer, 0, len(c.subs))
	for s := range c.subs {
		subs = append(subs, s)
	}
	cn := c.conn
	c.mu.Unlock()
	for _, s := range subs {
		_ = s.Close()
	}
	if cn != nil {
		cn.kill()
	}
	return nil
}

// Call calls any method by its wire name with params (a map or a struct
// that encodes to a JSON object) and decodes its whole result into result
// (nil to drop it). Mutating methods get an idempotency key as with the
// typed methods.
func (c *Client) Call(ctx context.Context, method string, params map[string]any, result any, opts ...CallOption) error {
	p := make(map[string]any, len(params))
	for k, v := range params {
		p[k] = wireValue(v)
	}
	return c.call(ctx, method, p, result, opts)
}

// Discover returns the server's OpenRPC document (rpc.discover).
func (c *Client) Discover(ctx context.Context) (map[string]any, error) {
	var document map[string]any
	err := c.call(ctx, "rpc.discover", params{}, &document, nil)
	return document, err
}

// call runs one method: it adds the idempotency key of a mutating method,
// sends the call (again after a lost connection) and decodes the result.
func (c *Client) call(ctx context.Context, method string, p params, result any, opts []CallOption) error {
	o := collect(opts)
	for k, v := range o.extra {
		p[k] = v
	}
	if catalogue[method].mutating {
		if _, given := p["idempotency_key"]; !given {
			key := o.idempotencyKey
			if key == "" {
				key = newIdempotencyKey()
			}
			p["idempotency_key"] = key
		}
	}
	if _, ok := ctx.Deadline(); !ok && c.config.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.config.CallTimeout)
		defer cancel()
	}
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("oms: encoding the params of %s: %w", method, err)
	}
	raw, err := c.invoke(ctx, method, body, nil)
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := decodeJSON(raw, result); err != nil {
		return fmt.Errorf("oms: decoding the result of %s: %w", method, err)
	}
	return nil
}

// invoke sends a request until it is answered, repeating it on a new
// connection when it never left or when it is repeatable and its answer was lost.
func (c *Client) invoke(ctx context.Context, method string, body json.RawMessage, bind func(*conn, json.RawMessage) error) (json.RawMessage, error) {
	if c.observe != nil {
		c.observe(method)
	}
	for {
		cn, err := c.connection(ctx)
		if err != nil {
			return nil, err
		}
		p := &pending{answer: make(chan answer, 1), bind: bind}
		raw, err := cn.request(ctx, c.nextID.Add(1), method, body, p)
		if err == nil {
			return raw, nil
		}
		if c.isClosed() {
			return nil, ErrClientClosed
		}
		if errors.Is(err, errNotSent) || (errors.Is(err, ErrConnectionLost) && repeatable(method)) {
			continue // connection() bounds the retries by ReconnectTimeout and ctx
		}
		return nil, err
	}
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// connection is the live connection, reconnecting (and authenticating)
// when the last one dropped, for up to ReconnectTimeout.
func (c *Client) connection(ctx context.Context) (*conn, error) {
	if cn, err := c.current(); cn != nil || err != nil {
		return cn, err
	}
	select {
	case c.connecting <- struct{}{}:
		defer func() { <-c.connecting }()
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.closedCh:
		return nil, ErrClientClosed
	}
	if cn, err := c.current(); cn != nil || err != nil {
		return cn, err
	}
	deadline := time.Now().Add(c.config.ReconnectTimeout)
	delay := 50 * time.Millisecond
	for {
		cn, err := c.open(ctx)
		if err == nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.closed {
				cn.kill()
				return nil, ErrClientClosed
			}
			c.conn = cn
			return cn, nil
		}
		if permanent(err) || ctx.Err() != nil {
			return nil, unwrapPermanent(err)
		}
		if time.Now().Add(delay).After(deadline) {
			return nil, fmt.Errorf("%w (reconnecting for %s)", err, c.config.ReconnectTimeout)
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.closedCh:
			return nil, ErrClientClosed
		}
		if delay *= 2; delay > time.Second {
			delay = time.Second
		}
	}
}

// current is the connection if it is alive, or ErrClientClosed.
func (c *Client) current() (*conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClientClosed
	}
	if c.conn != nil && c.conn.alive() {
		return c.conn, nil
	}
	return nil, nil
}

// open dials, shakes hands and authenticates one new connection.
func (c *Client) open(ctx context.Context) (*conn, error) {
	dialCtx, cancel := context.WithTimeout(ctx, c.config.DialTimeout)
	defer cancel()
	var netConn net.Conn
	var err error
	dialer := &net.Dialer{}
	if c.tls != nil {
		netConn, err = (&tls.Dialer{NetDialer: dialer, Config: c.tls}).DialContext(dialCtx, "tcp", c.hostPort)
	} else {
		netConn, err = dialer.DialContext(dialCtx, "tcp", c.hostPort)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := unavailable("", "cannot reach the OMS server at %s: %v", c.hostPort, err)
		if untrusted(err) {
			return nil, &permanentError{e}
		}
		return nil, e
	}
	cn := newConn(netConn)
	c.connections.Add(1)
	if c.config.APIKey == "" {
		return cn, nil
	}
	body, _ := json.Marshal(params{"api_key": c.config.APIKey})
	raw, err := cn.request(dialCtx, c.nextID.Add(1), "session.authenticate", body, &pending{answer: make(chan answer, 1)})
	if err == nil {
		var session Session
		if err = decodeJSON(raw, &session); err == nil {
			c.mu.Lock()
			c.session = session
			c.mu.Unlock()
			return cn, nil
		}
	}
	cn.kill()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, errNotSent) || errors.Is(err, ErrConnectionLost) || errors.Is(err, context.DeadlineExceeded) {
		return nil, unavailable("session.authenticate", "the OMS server at %s dropped the connection: %v", c.hostPort, err)
	}
	var serverErr *Error
	if errors.As(err, &serverErr) && serverErr.Code != CodeLimitExceeded {
		return nil, &permanentError{err} // a refused key stays refused
	}
	return nil, err
}

// permanentError is a connection failure that retrying cannot repair: an
// untrusted certificate, a refused API key.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func unwrapPermanent(err error) error {
	var p *permanentError
	if errors.As(err, &p) {
		return p.err
	}
	return err
}

func permanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// untrusted reports a certificate the client does not trust.
func untrusted(err error) bool {
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

func (c *Client) track(s closer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.subs[s] = struct{}{}
	return true
}

func (c *Client) untrack(s closer) {
	c.mu.Lock()
	delete(c.subs, s)
	c.mu.Unlock()
}
