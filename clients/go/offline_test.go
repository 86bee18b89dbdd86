package oms

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
)

// Every code of docs/api.md's error table has its sentinel, with its number.
func TestEveryCodeOfTheAPIDocHasASentinel(t *testing.T) {
	doc, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatalf("docs/api.md: %v", err)
	}
	rows := regexp.MustCompile("(?m)^\\| ([A-Z_]+) \\| (-320\\d\\d) \\|").FindAllStringSubmatch(string(doc), -1)
	if len(rows) < 28 {
		t.Fatalf("found %d codes in docs/api.md", len(rows))
	}
	for _, row := range rows {
		number, _ := strconv.Atoi(row[2])
		if codeByNumber[number] != Code(row[1]) {
			t.Errorf("%s (%d): the client knows %d as %q", row[1], number, number, codeByNumber[number])
		}
	}
	seen := map[Code]bool{}
	for _, s := range Sentinels() {
		if seen[s.Code] {
			t.Errorf("two sentinels for %s", s.Code)
		}
		seen[s.Code] = true
	}
}

func TestErrorsFromTheWire(t *testing.T) {
	err := fromWire(&wireError{Code: -32002, Message: "not allowed",
		Data: []byte(`{"code":"INVALID_STATE","state":"ROUTED"}`)}, "oms.cancel_order")
	var stateErr *InvalidStateError
	if !errors.As(err, &stateErr) || stateErr.State != StateRouted || !errors.Is(err, ErrInvalidState) {
		t.Fatalf("INVALID_STATE: %#v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Number != -32002 || e.Method != "oms.cancel_order" ||
		err.Error() != "INVALID_STATE (-32002) [oms.cancel_order]: not allowed" {
		t.Fatalf("as *Error: %v", err)
	}
	if errors.Is(err, ErrOrderNotFound) || errors.Is(err, ErrConnectionLost) {
		t.Fatal("INVALID_STATE matches another sentinel")
	}
	wrapped := fmt.Errorf("placing: %w", err)
	if !errors.Is(wrapped, ErrInvalidState) {
		t.Fatal("a wrapped error lost its code")
	}

	// JSON-RPC's own errors carry no data.code: the number names them.
	for number, sentinel := range map[int]*Error{-32700: ErrParseError, -32600: ErrInvalidRequest,
		-32601: ErrMethodNotFound, -32602: ErrInvalidParams, -32603: ErrInternalRPC} {
		if err := fromWire(&wireError{Code: number}, "m"); !errors.Is(err, sentinel) {
			t.Errorf("%d: %v", number, err)
		}
	}
	// The name wins over the number; an unknown code keeps its name.
	if err := fromWire(&wireError{Code: -32001, Data: []byte(`{"code":"NOT_FOUND"}`)}, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("name over number: %v", err)
	}
	err = fromWire(&wireError{Code: -32099, Data: []byte(`{"code":"BRAND_NEW"}`)}, "")
	if !errors.As(err, &e) || e.Code != "BRAND_NEW" || e.Number != -32099 {
		t.Errorf("unknown code: %v", err)
	}
	if !errors.Is(connectionLost("m"), ErrUnavailable) || errors.Is(unavailable("m", "x"), ErrConnectionLost) {
		t.Error("ErrConnectionLost is a kind of ErrUnavailable, not the other way round")
	}
}

func TestDecimalsKeepTheirScaleOnTheWire(t *testing.T) {
	for _, c := range []struct {
		value decimal.Decimal
		wire  string
	}{
		{decimal.RequireFromString("150.20"), "150.20"},
		{decimal.NewFromFloat(150.25), "150.25"},
		{decimal.NewFromFloat(151.00), "151"},
		{decimal.NewFromFloat(1000), "1000"},
		{decimal.RequireFromString("1e3"), "1000"},
		{decimal.RequireFromString("1.5e-3"), "0.0015"},
		{decimal.RequireFromString("-0.000001"), "-0.000001"},
		{decimal.RequireFromString("12345678901234.12345678"), "12345678901234.12345678"},
		{decimal.New(5, -3), "0.005"},
	} {
		if got := wireDecimal(c.value); got != c.wire {
			t.Errorf("%v: %s on the wire, want %s", c.value, got, c.wire)
		}
	}
	var d decimal.Decimal
	if err := decodeJSON([]byte(`"150.20"`), &d); err != nil || wireDecimal(d) != "150.20" {
		t.Errorf("read back: %v %v", d, err)
	}
}

func TestAddresses(t *testing.T) {
	for input, want := range map[string]string{"127.0.0.1:9191": "127.0.0.1:9191", "oms.internal": "oms.internal:9191",
		"tcp://db:1234/": "db:1234", "[::1]:9000": "[::1]:9000", "[::1]": "[::1]:9191"} {
		if _, got, err := splitAddress(input); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", input, got, err, want)
		}
	}
	for _, bad := range []string{"", ":9191", "host:port", "host:0", "[::1"} {
		if _, _, err := splitAddress(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestConfigDefaultsAndEnvironment(t *testing.T) {
	t.Setenv("OMS_ADDRESS", "")
	t.Setenv("OMS_API_KEY", "")
	t.Setenv("OMS_TLS_CA", "")
	c := Config{}.withDefaults()
	if c.Address != DefaultAddress || c.APIKey != "" || c.DialTimeout <= 0 || c.ReconnectTimeout <= 0 || c.CallTimeout <= 0 {
		t.Fatalf("defaults: %+v", c)
	}
	t.Setenv("OMS_ADDRESS", "oms:1")
	t.Setenv("OMS_API_KEY", "k")
	if c := (Config{}).withDefaults(); c.Address != "oms:1" || c.APIKey != "k" {
		t.Fatalf("from the environment: %+v", c)
	}
	if c := (Config{Address: "x:2", APIKey: "given"}).withDefaults(); c.Address != "x:2" || c.APIKey != "given" {
		t.Fatalf("given values win: %+v", c)
	}
	if tls, err := (Config{}).tlsConfig("h"); tls != nil || err != nil {
		t.Fatalf("plain TCP by default: %v %v", tls, err)
	}
	if _, err := (Config{CAFile: "/nonexistent.pem"}).tlsConfig("h"); err == nil {
		t.Fatal("a missing CA bundle was accepted")
	}
	if key := newIdempotencyKey(); !regexp.MustCompile(`^go-[0-9a-f]{32}$`).MatchString(key) {
		t.Fatalf("key %q", key)
	}
}
