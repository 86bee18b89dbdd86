package oms

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

const subscriptionEnded = "oms.subscription_ended"

// Subscription is a live stream of events (ComplianceEvent or OrderEvent):
//
//	for event := range sub.Events() { … }
//	if err := sub.Err(); err != nil { … }
//
// After a dropped connection, or when the server ends the subscription
// (oms.subscription_ended: OVERFLOW), the client subscribes again with
// after_event_id = the last event it received, so the stream goes on without
// gaps or repeats. Events closes when the subscribe context ends, on Close,
// on the client's Close, or when resuming fails (Err says why; resubscribe
// with AfterEventID: LastEventID() to go on).
type Subscription[E any] struct {
	client  *Client
	method  string
	filter  params
	eventID func(*E) int64
	ctx     context.Context
	out     chan E
	signal  chan struct{} // one slot: the queue has items
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the pump has finished
	once    sync.Once

	mu        sync.Mutex // guards queue, conn, id, cursor, err
	queue     []subItem
	conn      *conn
	id        string
	cursor    int64
	hasCursor bool
	err       error

	lastEventID atomic.Int64
	resumed     atomic.Int64
}

type subItemKind int

const (
	subEvent subItemKind = iota
	subLost
	subEnded
)

type subItem struct {
	kind subItemKind
	raw  json.RawMessage
}

// Events is the stream; it is closed when the subscription ends.
func (s *Subscription[E]) Events() <-chan E { return s.out }

// Err is why Events closed: nil after Close, the context's error, or the
// error that stopped resuming (ErrUnavailable, ErrUnauthenticated, …).
func (s *Subscription[E]) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// ID is the server's id of the current subscription (it changes on resume).
func (s *Subscription[E]) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// LastEventID is the event_id of the last event Events delivered.
func (s *Subscription[E]) LastEventID() int64 { return s.lastEventID.Load() }

// Resumed is how many times the stream was resumed (reconnects and OVERFLOW ends).
func (s *Subscription[E]) Resumed() int { return int(s.resumed.Load()) }

// Close unsubscribes and closes Events. It is safe to call more than once.
func (s *Subscription[E]) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return nil
}

func subscribe[E any](ctx context.Context, c *Client, method string, req *SubscribeRequest, eventID func(*E) int64) (*Subscription[E], error) {
	s := &Subscription[E]{client: c, method: method, filter: params{}, eventID: eventID, ctx: ctx,
		out: make(chan E, 64), signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if req != nil {
		s.filter.optStr("portfolio_id", req.PortfolioID)
		if req.AfterEventID != 0 {
			s.cursor, s.hasCursor = req.AfterEventID, true
			s.lastEventID.Store(req.AfterEventID)
		}
	}
	if !c.track(s) {
		return nil, ErrClientClosed
	}
	for {
		cn, err := c.connection(ctx)
		if err == nil {
			err = s.subscribeOn(ctx, cn)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, ErrConnectionLost) {
			s.finish(err)
			return nil, err
		}
	}
	go s.pump()
	return s, nil
}

// subscribeOn subscribes on cn from the cursor; the answer binds the route
// on the reader goroutine, before any event of the subscription is read.
func (s *Subscription[E]) subscribeOn(ctx context.Context, cn *conn) error {
	p := params{}
	for k, v := range s.filter {
		p[k] = v
	}
	s.mu.Lock()
	if s.hasCursor {
		p["after_event_id"] = s.cursor
	}
	s.mu.Unlock()
	body, _ := json.Marshal(p)
	if s.client.observe != nil {
		s.client.observe(s.method)
	}
	// The subscription lives as long as ctx; its subscribe call only as long as a call may.
	if _, ok := ctx.Deadline(); !ok && s.client.config.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.client.config.CallTimeout)
		defer cancel()
	}
	_, err := cn.request(ctx, s.client.nextID.Add(1), s.method, body, &pending{answer: make(chan answer, 1), bind: s.bind})
	if errors.Is(err, errNotSent) {
		return connectionLost(s.method)
	}
	return err
}

func (s *Subscription[E]) bind(cn *conn, result json.RawMessage) error {
	var answer struct {
		SubscriptionID string `json:"subscription_id"`
	}
	if err := json.Unmarshal(result, &answer); err != nil || answer.SubscriptionID == "" {
		return &Error{Code: CodeInternalRPC, Number: -32603, Method: s.method, Message: "answered without a subscription_id"}
	}
	cn.mu.Lock()
	cn.routes[answer.SubscriptionID] = s
	cn.mu.Unlock()
	s.mu.Lock()
	s.conn, s.id = cn, answer.SubscriptionID
	s.mu.Unlock()
	return nil
}

// deliver runs on the reader goroutine: it only queues.
func (s *Subscription[E]) deliver(cn *conn, method string, raw json.RawMessage) {
	var note struct {
		SubscriptionID string          `json:"subscription_id"`
		Event          json.RawMessage `json:"event"`
		LastEventID    *int64          `json:"last_event_id"`
	}
	if json.Unmarshal(raw, &note) != nil {
		return
	}
	s.mu.Lock()
	if method == subscriptionEnded {
		if cn != s.conn || note.SubscriptionID != s.id {
			s.mu.Unlock()
			return
		}
		s.conn, s.id = nil, ""
		if !s.hasCursor && note.LastEventID != nil {
			s.cursor, s.hasCursor = *note.LastEventID, true
		}
		s.queue = append(s.queue, subItem{kind: subEnded})
	} else if len(note.Event) > 0 {
		s.queue = append(s.queue, subItem{kind: subEvent, raw: note.Event})
	}
	s.mu.Unlock()
	s.wake()
}

func (s *Subscription[E]) connectionLost(cn *conn) {
	s.mu.Lock()
	if s.conn != cn {
		s.mu.Unlock()
		return
	}
	s.conn, s.id = nil, ""
	s.queue = append(s.queue, subItem{kind: subLost})
	s.mu.Unlock()
	s.wake()
}

func (s *Subscription[E]) wake() {
	select {
	case s.signal <- struct{}{}:
	default:
	}
}

// pump hands queued events to Events in order and resumes the stream.
func (s *Subscription[E]) pump() {
	err := s.run()
	s.finish(err)
}

func (s *Subscription[E]) run() error {
	for {
		item, err := s.next()
		if err != nil {
			return err
		}
		switch item.kind {
		case subEvent:
			var event E
			if err := decodeJSON(item.raw, &event); err != nil {
				return &Error{Code: CodeInternalRPC, Number: -32603, Method: s.method, Message: "undecodable event: " + err.Error()}
			}
			id := s.eventID(&event)
			s.mu.Lock()
			s.cursor, s.hasCursor = id, true
			s.mu.Unlock()
			select {
			case s.out <- event:
				s.lastEventID.Store(id)
			case <-s.stop:
				return nil
			case <-s.ctx.Done():
				return s.ctx.Err()
			}
		case subLost, subEnded:
			if err := s.resume(); err != nil {
				return err
			}
		}
	}
}

// next waits for the next queued item, the end of the context or Close.
func (s *Subscription[E]) next() (subItem, error) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			item := s.queue[0]
			s.queue[0] = subItem{}
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return item, nil
		}
		s.mu.Unlock()
		select {
		case <-s.signal:
		case <-s.stop:
			return subItem{}, errStopped
		case <-s.ctx.Done():
			return subItem{}, s.ctx.Err()
		}
	}
}

var errStopped = errors.New("oms: subscription closed")

// resume subscribes again from the cursor, for up to ReconnectTimeout.
func (s *Subscription[E]) resume() error {
	deadline := time.Now().Add(s.client.config.ReconnectTimeout)
	ctx, cancel := context.WithDeadline(s.ctx, deadline)
	defer cancel()
	go func() { // Close ends a resume in progress
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		cn, err := s.client.connection(ctx)
		if err == nil {
			if err = s.subscribeOn(ctx, cn); err == nil {
				s.resumed.Add(1)
				return nil
			}
		}
		select {
		case <-s.stop:
			return errStopped
		default:
		}
		if !errors.Is(err, ErrConnectionLost) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// finish unsubscribes (when the connection still carries the subscription),
// records why the stream ended and closes Events.
func (s *Subscription[E]) finish(err error) {
	if errors.Is(err, errStopped) || errors.Is(err, ErrClientClosed) && s.client.isClosed() {
		err = nil
	}
	s.mu.Lock()
	cn, id := s.conn, s.id
	s.conn, s.id = nil, ""
	s.err = err
	s.mu.Unlock()
	if cn != nil && id != "" {
		cn.mu.Lock()
		delete(cn.routes, id)
		cn.mu.Unlock()
		if cn.alive() && !s.client.isClosed() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			body, _ := json.Marshal(params{"subscription_id": id})
			_, _ = cn.request(ctx, s.client.nextID.Add(1), "oms.unsubscribe", body, &pending{answer: make(chan answer, 1)})
			cancel()
		}
	}
	s.client.untrack(s)
	close(s.out)
	close(s.done)
}
