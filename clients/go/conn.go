package oms

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"sync"
	"time"
)

// conn is one connection: requests pipelined on it, answers matched by id
// by one reader goroutine, notifications routed to subscriptions.
type conn struct {
	netConn net.Conn
	writeMu sync.Mutex

	mu      sync.Mutex // guards pending, routes, fatal
	pending map[int64]*pending
	routes  map[string]route
	fatal   error // an error the server sent for the whole connection (id null)
	done    chan struct{}
}

// pending is a request waiting for its answer.
type pending struct {
	answer chan answer // buffered: the reader never blocks on it
	// bind runs on the reader goroutine with the result, before the next
	// line is read (a subscription's route must exist before its events).
	bind func(*conn, json.RawMessage) error
}

type answer struct {
	result json.RawMessage
	wire   *wireError // the server's error
	err    error      // the bind's error
}

func (a answer) unpack(method string) (json.RawMessage, error) {
	if a.wire != nil {
		return nil, fromWire(a.wire, method)
	}
	return a.result, a.err
}

// route receives a subscription's notifications; it must not block.
type route interface {
	deliver(c *conn, method string, params json.RawMessage)
	connectionLost(c *conn)
}

// errNotSent means the request never reached the server whole: sending it
// again is always safe.
var errNotSent = errors.New("oms: request not sent")

func newConn(netConn net.Conn) *conn {
	c := &conn{netConn: netConn, pending: map[int64]*pending{}, routes: map[string]route{}, done: make(chan struct{})}
	go c.readLoop()
	return c
}

func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// request sends one request and waits for its answer, the connection's
// loss or the context's end.
func (c *conn) request(ctx context.Context, id int64, method string, body json.RawMessage, p *pending) (json.RawMessage, error) {
	line := make([]byte, 0, len(body)+len(method)+64)
	line = append(line, `{"jsonrpc":"2.0","id":`...)
	line = strconv.AppendInt(line, id, 10)
	line = append(line, `,"method":`...)
	line = strconv.AppendQuote(line, method)
	line = append(line, `,"params":`...)
	line = append(line, body...)
	line = append(line, "}\n"...)

	c.mu.Lock()
	if !c.alive() {
		c.mu.Unlock()
		return nil, errNotSent
	}
	c.pending[id] = p
	c.mu.Unlock()

	if err := c.write(ctx, line); err != nil {
		c.forget(id)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errNotSent
	}
	select {
	case a := <-p.answer:
		return a.unpack(method)
	case <-c.done:
		select {
		case a := <-p.answer: // answered just before the drop
			return a.unpack(method)
		default:
		}
		if fatal := c.fatalError(); fatal != nil {
			return nil, fatal
		}
		return nil, connectionLost(method)
	case <-ctx.Done():
		c.forget(id)
		return nil, ctx.Err()
	}
}

// write sends one whole line; a line cut short kills the connection, so the
// server never sees half a request.
func (c *conn) write(ctx context.Context, line []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.netConn.SetWriteDeadline(deadline)
		defer c.netConn.SetWriteDeadline(time.Time{})
	}
	if _, err := c.netConn.Write(line); err != nil {
		c.kill()
		return err
	}
	return nil
}

func (c *conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

func (c *conn) fatalError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fatal
}

// kill closes the connection; the reader then fails what is pending.
func (c *conn) kill() {
	_ = c.netConn.Close()
}

func (c *conn) readLoop() {
	reader := bufio.NewReaderSize(c.netConn, 64*1024)
	for {
		line, err := reader.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it whole.
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = reader.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			break
		}
		c.handleLine(line)
	}
	c.lost()
}

// message is any line the server sends: an answer or a notification.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *wireError      `json:"error"`
}

func (c *conn) handleLine(line []byte) {
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		return // not an object: nothing this client sent can be answered by it
	}
	if m.Method != "" && m.ID == nil {
		c.notification(m.Method, m.Params)
		return
	}
	id, err := strconv.ParseInt(string(m.ID), 10, 64)
	if err != nil {
		// id null: an error about the connection itself (too many
		// connections from this address, an over-long line).
		if m.Error != nil {
			c.mu.Lock()
			c.fatal = fromWire(m.Error, "")
			c.mu.Unlock()
		}
		return
	}
	c.mu.Lock()
	p := c.pending[id]
	delete(c.pending, id)
	c.mu.Unlock()
	if p == nil {
		return // its caller gave up (context ended)
	}
	if m.Error != nil {
		p.answer <- answer{wire: m.Error}
		return
	}
	if p.bind != nil {
		if err := p.bind(c, m.Result); err != nil {
			p.answer <- answer{err: err}
			return
		}
	}
	p.answer <- answer{result: m.Result}
}

func (c *conn) notification(method string, raw json.RawMessage) {
	var head struct {
		SubscriptionID string `json:"subscription_id"`
	}
	if json.Unmarshal(raw, &head) != nil || head.SubscriptionID == "" {
		return
	}
	c.mu.Lock()
	r := c.routes[head.SubscriptionID]
	if method == subscriptionEnded {
		delete(c.routes, head.SubscriptionID)
	}
	c.mu.Unlock()
	if r != nil {
		r.deliver(c, method, raw)
	}
}

// lost marks the connection dead once: waiting calls see done, subscriptions resume.
func (c *conn) lost() {
	c.mu.Lock()
	select {
	case <-c.done:
		c.mu.Unlock()
		return
	default:
	}
	close(c.done)
	routes := make([]route, 0, len(c.routes))
	for _, r := range c.routes {
		routes = append(routes, r)
	}
	c.routes = map[string]route{}
	c.pending = map[int64]*pending{}
	c.mu.Unlock()
	_ = c.netConn.Close()
	for _, r := range routes {
		r.connectionLost(c)
	}
}
