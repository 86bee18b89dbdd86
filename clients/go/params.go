package oms

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
)

// params are a call's named parameters as they go on the wire. Optional
// values are left out when they hold their zero value, so the server's
// default applies.
type params map[string]any

func (p params) str(name, value string) params {
	p[name] = value
	return p
}

func (p params) optStr(name, value string) params {
	if value != "" {
		p[name] = value
	}
	return p
}

func (p params) dec(name string, value decimal.Decimal) params {
	p[name] = wireDecimal(value)
	return p
}

// optDec leaves out a zero decimal: no optional quantity or price may be zero.
func (p params) optDec(name string, value decimal.Decimal) params {
	if !value.IsZero() {
		p[name] = wireDecimal(value)
	}
	return p
}

func (p params) optTime(name string, value time.Time) params {
	if !value.IsZero() {
		p[name] = wireTime(value)
	}
	return p
}

func (p params) optInt(name string, value int) params {
	if value != 0 {
		p[name] = value
	}
	return p
}

func (p params) optBool(name string, value *bool) params {
	if value != nil {
		p[name] = *value
	}
	return p
}

func (p params) optStrings(name string, value []string) params {
	if value != nil {
		p[name] = value
	}
	return p
}

// wireDecimal is a decimal as the server reads it exactly: a string with the
// decimal's own scale, so 150.20 stays "150.20" (Decimal.String would drop
// the zero).
func wireDecimal(d decimal.Decimal) string {
	if d.Exponent() < 0 {
		return d.StringFixed(-d.Exponent())
	}
	return d.String()
}

// Decimals returns the quantities as wire strings (for SplitOrder).
func wireDecimals(values []decimal.Decimal) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = wireDecimal(v)
	}
	return out
}

// wireTime is RFC 3339 in UTC with the server's microseconds.
func wireTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.999999Z07:00")
}

// wireValue turns decimals (also nested in maps and slices, e.g. a rule's
// parameters or an order's metadata) into exact wire strings.
func wireValue(value any) any {
	switch v := value.(type) {
	case decimal.Decimal:
		return wireDecimal(v)
	case *decimal.Decimal:
		if v == nil {
			return nil
		}
		return wireDecimal(*v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[key] = wireValue(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = wireValue(item)
		}
		return out
	default:
		return value
	}
}

// decodeJSON decodes with numbers kept exact (json.Number in maps).
func decodeJSON(data []byte, into any) error {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	return decoder.Decode(into)
}
