package oms

import (
	"encoding/json"
	"fmt"
)

// Code is the stable name of an error, as the server sends it in
// error.data.code and as docs/api.md and the SDK page list it.
type Code string

// Error is an error the server answered (or the client raised in its name,
// such as a lost connection). Compare it with the sentinels:
//
//	if errors.Is(err, oms.ErrOrderNotFound) { … }
//
// and read its details with errors.As:
//
//	var e *oms.Error
//	if errors.As(err, &e) { log.Print(e.Code, e.Number, e.Data["field"]) }
type Error struct {
	// Code is the stable name, e.g. "INVALID_STATE".
	Code Code
	// Number is the numeric JSON-RPC error.code, e.g. -32002.
	Number int
	// Message is the server's message, safe to show.
	Message string
	// Data is error.data (data.state, data.field, data.limit, …).
	Data map[string]any
	// Method is the method that failed.
	Method string

	sentinel bool
	lost     bool
}

// Error returns "CODE (number) [method]: message".
func (e *Error) Error() string {
	text := fmt.Sprintf("%s (%d)", e.Code, e.Number)
	if e.Method != "" {
		text += " [" + e.Method + "]"
	}
	if e.Message != "" {
		text += ": " + e.Message
	}
	return text
}

// Is reports whether target is the sentinel of e's code, so
// errors.Is(err, oms.ErrInvalidState) holds for every INVALID_STATE answer.
// ErrConnectionLost matches only a lost connection (which is also ErrUnavailable).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok || !t.sentinel {
		return false
	}
	if t == ErrConnectionLost {
		return e.lost
	}
	return t.Code == e.Code
}

// Field is data.field: the parameter an INVALID_ARGUMENT or INVALID_PARAMS names.
func (e *Error) Field() string {
	field, _ := e.Data["field"].(string)
	return field
}

// InvalidStateError is INVALID_STATE with the order's current state
// (data.state). It unwraps to its *Error, so errors.Is(err, ErrInvalidState)
// holds too:
//
//	var stateErr *oms.InvalidStateError
//	if errors.As(err, &stateErr) { fmt.Println(stateErr.State) }
type InvalidStateError struct {
	// State is the order's state when the command was refused.
	State OrderState
	// Err is the server's error.
	Err *Error
}

// Error returns the server's error text.
func (e *InvalidStateError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying *Error.
func (e *InvalidStateError) Unwrap() error { return e.Err }

// wireError is a JSON-RPC error object as it arrives.
type wireError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// fromWire turns an error object into the error a caller sees: an
// *InvalidStateError for INVALID_STATE, an *Error otherwise. The name in
// data.code wins over the number, so a code this client does not know keeps
// its name.
func fromWire(w *wireError, method string) error {
	e := &Error{Number: w.Code, Message: w.Message, Method: method}
	if len(w.Data) > 0 {
		_ = decodeJSON(w.Data, &e.Data)
	}
	if name, ok := e.Data["code"].(string); ok && name != "" {
		e.Code = Code(name)
	} else if code, ok := codeByNumber[w.Code]; ok {
		e.Code = code
	} else {
		e.Code = Code(fmt.Sprintf("ERROR_%d", -w.Code))
	}
	if e.Code == CodeInvalidState {
		state, _ := e.Data["state"].(string)
		return &InvalidStateError{State: OrderState(state), Err: e}
	}
	return e
}

// connectionLost is the error of a call whose connection dropped before its
// answer and that cannot be sent again (oms.unsubscribe, a subscribe).
func connectionLost(method string) *Error {
	return &Error{Code: CodeUnavailable, Number: -32021, Method: method, lost: true,
		Message: "the connection dropped before the answer came"}
}

// unavailable is UNAVAILABLE raised by the client (an unreachable server, an
// untrusted certificate, a closed client).
func unavailable(method string, format string, args ...any) *Error {
	return &Error{Code: CodeUnavailable, Number: -32021, Method: method, Message: fmt.Sprintf(format, args...)}
}
