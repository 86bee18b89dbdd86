package oms

import (
	"time"

	"github.com/shopspring/decimal"
)

// A zero field of a request is "not given": the server's default applies.
// No optional quantity or price may be zero, so a zero Decimal is never sent.

// CreateOrderRequest is the body of CreateOrder.
type CreateOrderRequest struct {
	PortfolioID     string
	InstrumentID    string
	Direction       Direction
	OrderedQuantity decimal.Decimal
	OrderType       OrderType
	TimeInForce     TimeInForce
	// LimitPrice is required for Limit and StopLimit.
	LimitPrice decimal.Decimal
	// StopPrice is required for Stop and StopLimit.
	StopPrice decimal.Decimal
	// ExpireAt is required for GTD.
	ExpireAt       time.Time
	BasketID       string
	CounterpartyID string
	Metadata       map[string]any
	// ClientOrderID must be unique in the tenant (DUPLICATE_ORDER otherwise).
	ClientOrderID string
}

func (r *CreateOrderRequest) params() params {
	p := params{}.str("portfolio_id", r.PortfolioID).str("instrument_id", r.InstrumentID).
		str("direction", string(r.Direction)).dec("ordered_quantity", r.OrderedQuantity).
		str("order_type", string(r.OrderType)).str("time_in_force", string(r.TimeInForce)).
		optDec("limit_price", r.LimitPrice).optDec("stop_price", r.StopPrice).optTime("expire_at", r.ExpireAt).
		optStr("basket_id", r.BasketID).optStr("counterparty_id", r.CounterpartyID).
		optStr("client_order_id", r.ClientOrderID)
	if r.Metadata != nil {
		p["metadata"] = wireValue(r.Metadata)
	}
	return p
}

// OrderChanges are the fields UpdateOrder sets; zero fields stay as they
// are. Economic fields (quantity, prices, time in force, expiry) lock once
// pre-trade compliance passes; booking fields (counterparty, metadata) do not.
type OrderChanges struct {
	OrderedQuantity decimal.Decimal
	LimitPrice      decimal.Decimal
	StopPrice       decimal.Decimal
	TimeInForce     TimeInForce
	ExpireAt        time.Time
	CounterpartyID  string
	Metadata        map[string]any
	// Clear names fields to set to null, by their wire names
	// ("limit_price", "stop_price", "expire_at", "counterparty_id", "metadata").
	Clear []string
}

func (c *OrderChanges) wire() map[string]any {
	p := params{}.optDec("ordered_quantity", c.OrderedQuantity).optDec("limit_price", c.LimitPrice).
		optDec("stop_price", c.StopPrice).optStr("time_in_force", string(c.TimeInForce)).
		optTime("expire_at", c.ExpireAt).optStr("counterparty_id", c.CounterpartyID)
	if c.Metadata != nil {
		p["metadata"] = wireValue(c.Metadata)
	}
	for _, field := range c.Clear {
		p[field] = nil
	}
	return p
}

// ListOrdersRequest filters ListOrders; every field is optional.
type ListOrdersRequest struct {
	PortfolioID   string
	InstrumentID  string
	State         OrderState
	Direction     Direction
	BasketID      string
	CreatedAfter  time.Time
	CreatedBefore time.Time
	// Limit is 1 to 1000; 0 means the server's default, 100.
	Limit  int
	Offset int
}

func (r *ListOrdersRequest) params() params {
	if r == nil {
		return params{}
	}
	return params{}.optStr("portfolio_id", r.PortfolioID).optStr("instrument_id", r.InstrumentID).
		optStr("state", string(r.State)).optStr("direction", string(r.Direction)).optStr("basket_id", r.BasketID).
		optTime("created_after", r.CreatedAfter).optTime("created_before", r.CreatedBefore).
		optInt("limit", r.Limit).optInt("offset", r.Offset)
}

// CreatePlacementRequest is the body of CreatePlacement.
type CreatePlacementRequest struct {
	OrderID  string
	Venue    string
	Quantity decimal.Decimal
	BrokerID string
	Strategy string
}

// RecordFillRequest is the body of RecordFill.
type RecordFillRequest struct {
	OrderID string
	// ExecID identifies the execution; recording it twice is harmless for
	// the same order and DUPLICATE_FILL for another.
	ExecID      string
	Quantity    decimal.Decimal
	Price       decimal.Decimal
	PlacementID string
	ExecutedAt  time.Time
}

// CreateAllocationRequest is the body of CreateAllocation.
type CreateAllocationRequest struct {
	OrderID     string
	AccountID   string
	PortfolioID string
	Quantity    decimal.Decimal
}

// AllocationChanges are the fields UpdateAllocation sets; zero fields stay.
type AllocationChanges struct {
	Quantity  decimal.Decimal
	AccountID string
}

// CreateRuleRequest is the body of CreateRule. Parameters may hold
// decimal.Decimal values (sent exactly), strings, numbers and lists.
type CreateRuleRequest struct {
	RuleType       RuleType
	Parameters     map[string]any
	TargetAccounts []string
	// Active defaults to true.
	Active *bool
	Name   string
	// Severity defaults to HARD.
	Severity     Severity
	DeploymentID string
}

// RuleChanges are the fields UpdateRule sets; nil or zero fields stay.
type RuleChanges struct {
	RuleType       RuleType
	Parameters     map[string]any
	TargetAccounts []string
	Name           string
	Severity       Severity
	Active         *bool
}

// ListRulesRequest filters ListRules; every field is optional.
type ListRulesRequest struct {
	PortfolioID string
	RuleType    RuleType
	Active      *bool
}

// ProposedOrder is one order CheckComplianceWhatIf evaluates.
type ProposedOrder struct {
	PortfolioID     string
	InstrumentID    string
	Direction       Direction
	OrderedQuantity decimal.Decimal
	LimitPrice      decimal.Decimal
}

// HeadroomRequest names the rule and portfolio of QueryComplianceHeadroom.
type HeadroomRequest struct {
	PortfolioID  string
	RuleID       string
	InstrumentID string
}

// SubscribeRequest filters a subscription; every field is optional.
type SubscribeRequest struct {
	PortfolioID string
	// AfterEventID replays every event committed after this one first.
	AfterEventID int64
}

// CreatePrincipalRequest is the body of CreatePrincipal.
type CreatePrincipalRequest struct {
	PrincipalID  string
	Role         Role
	PortfolioIDs []string
	DisplayName  string
}

// CreatePortfolioRequest is the body of CreatePortfolio.
type CreatePortfolioRequest struct {
	PortfolioID  string
	Name         string
	BaseCurrency string
	// Cash may be zero or negative; it is always sent.
	Cash decimal.Decimal
}

// CreateAccountRequest is the body of CreateAccount.
type CreateAccountRequest struct {
	AccountID   string
	PortfolioID string
	Name        string
}

// CreateInstrumentRequest is the body of CreateInstrument.
type CreateInstrumentRequest struct {
	InstrumentID string
	Symbol       string
	Currency     string
	Issuer       string
	Sector       string
}

// SetPriceRequest is the body of SetPrice.
type SetPriceRequest struct {
	InstrumentID string
	Price        decimal.Decimal
	AsOf         time.Time
}

// Bool returns a pointer to b, for the optional booleans of requests.
func Bool(b bool) *bool { return &b }
