package oms

// CallOption adjusts one call.
type CallOption func(*callOptions)

type callOptions struct {
	idempotencyKey string
	extra          params
}

// WithIdempotencyKey sends key as the call's idempotency_key. Every mutating
// call carries one (the client makes one when none is given, and reuses it
// when it repeats the call after a lost connection); give your own to make
// your own retries safe too: the same key with the same request returns the
// first answer and changes nothing.
func WithIdempotencyKey(key string) CallOption {
	return func(o *callOptions) { o.idempotencyKey = key }
}

// WithParam sends a parameter the typed API does not have (for example one
// the server added after this client). Decimals are sent exactly.
func WithParam(name string, value any) CallOption {
	return func(o *callOptions) {
		if o.extra == nil {
			o.extra = params{}
		}
		o.extra[name] = wireValue(value)
	}
}

// CreateRemainder makes CloseOrder create an order for the unfilled quantity.
func CreateRemainder() CallOption { return WithParam("create_remainder", true) }

// WithReason gives CancelOrder a reason.
func WithReason(reason string) CallOption { return WithParam("reason", reason) }

func collect(opts []CallOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}
