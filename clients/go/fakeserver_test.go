package oms

import (
	"bufio"
	"encoding/json"
	"net"
	"sync"
	"testing"
)

// fakeServer is a scripted JSON-RPC server for the offline tests: it
// records every request and answers with handle's result (nil: no answer).
type fakeServer struct {
	listener net.Listener
	handle   func(s *fakeServer, c net.Conn, r fakeRequest)
	mu       sync.Mutex
	requests []fakeRequest
	conns    []net.Conn
}

type fakeRequest struct {
	ID     int64                      `json:"id"`
	Method string                     `json:"method"`
	Params map[string]json.RawMessage `json:"params"`
	Conn   int
}

func newFakeServer(t *testing.T, handle func(s *fakeServer, c net.Conn, r fakeRequest)) *fakeServer {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{listener: listener, handle: handle}
	go s.accept()
	t.Cleanup(func() {
		listener.Close()
		s.dropAll()
	})
	return s
}

func (s *fakeServer) address() string { return s.listener.Addr().String() }

func (s *fakeServer) accept() {
	for {
		c, err := s.listener.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		index := len(s.conns)
		s.mu.Unlock()
		go s.serve(c, index)
	}
}

func (s *fakeServer) serve(c net.Conn, index int) {
	scanner := bufio.NewScanner(c)
	for scanner.Scan() {
		var r fakeRequest
		if json.Unmarshal(scanner.Bytes(), &r) != nil {
			continue
		}
		r.Conn = index
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		if r.Method == "session.authenticate" {
			s.answer(c, r.ID, map[string]any{"tenant_id": "t", "principal_id": "p", "role": "PM"})
			continue
		}
		s.handle(s, c, r)
	}
}

func (s *fakeServer) answer(c net.Conn, id int64, result any) {
	line, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "result": result})
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = c.Write(append(line, '\n'))
}

func (s *fakeServer) send(c net.Conn, message map[string]any) {
	message["jsonrpc"] = "2.0"
	line, _ := json.Marshal(message)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = c.Write(append(line, '\n'))
}

func (s *fakeServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

func (s *fakeServer) calls(method string) []fakeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []fakeRequest
	for _, r := range s.requests {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

func dialFake(t *testing.T, s *fakeServer) *Client {
	t.Helper()
	client, err := Dial(ctxFor(t), Config{Address: s.address(), APIKey: "omsk.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}
