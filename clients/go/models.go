package oms

import (
	"time"

	"github.com/shopspring/decimal"
)

// Absent values: a null string from the server is "", a null decimal is the
// zero Decimal (quantities and prices are never zero), a null time is the
// zero time.Time. Decimals keep the scale the server sends ("150.20").

// Order is an order as the server returns it.
type Order struct {
	OrderID          string          `json:"order_id"`
	TenantID         string          `json:"tenant_id"`
	PortfolioID      string          `json:"portfolio_id"`
	InstrumentID     string          `json:"instrument_id"`
	Direction        Direction       `json:"direction"`
	OrderType        OrderType       `json:"order_type"`
	TimeInForce      TimeInForce     `json:"time_in_force"`
	OrderedQuantity  decimal.Decimal `json:"ordered_quantity"`
	LimitPrice       decimal.Decimal `json:"limit_price"`
	StopPrice        decimal.Decimal `json:"stop_price"`
	ExpireAt         time.Time       `json:"expire_at"`
	ExecutedQuantity decimal.Decimal `json:"executed_quantity"`
	UnfilledQuantity decimal.Decimal `json:"unfilled_quantity"`
	State            OrderState      `json:"state"`
	// Owner is PM, Trader, Ops, System or None.
	Owner          string         `json:"owner"`
	BasketID       string         `json:"basket_id"`
	CounterpartyID string         `json:"counterparty_id"`
	Metadata       map[string]any `json:"metadata"`
	ClientOrderID  string         `json:"client_order_id"`
	CancelReason   string         `json:"cancel_reason"`
	CreatedBy      string         `json:"created_by"`
	// Version is the number of events the order has.
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// CloseResult is the answer of CloseOrder: what was executed and what was not.
type CloseResult struct {
	OrderID          string          `json:"order_id"`
	ExecutedQuantity decimal.Decimal `json:"executed_quantity"`
	UnfilledQuantity decimal.Decimal `json:"unfilled_quantity"`
	// RemainderOrderID is the new order for the unfilled quantity, when
	// CreateRemainder() was passed and something was unfilled.
	RemainderOrderID string `json:"remainder_order_id"`
	Order            Order  `json:"order"`
}

// OrderEvent is one event of an order's history (GetOrderHistory) or of
// SubscribeOrders (which also sets PortfolioID).
type OrderEvent struct {
	EventID     int64          `json:"event_id"`
	OrderID     string         `json:"order_id"`
	PortfolioID string         `json:"portfolio_id"`
	Sequence    int            `json:"sequence"`
	Command     string         `json:"command"`
	FromState   OrderState     `json:"from_state"`
	ToState     OrderState     `json:"to_state"`
	ActorID     string         `json:"actor_id"`
	ActorRole   Role           `json:"actor_role"`
	Payload     map[string]any `json:"payload"`
	OccurredAt  time.Time      `json:"occurred_at"`
	RecordedAt  time.Time      `json:"recorded_at"`
}

// OrderLink ties orders made from one another (kind MERGE, SPLIT or REMAINDER).
type OrderLink struct {
	Kind          string    `json:"kind"`
	SourceOrderID string    `json:"source_order_id"`
	TargetOrderID string    `json:"target_order_id"`
	CreatedAt     time.Time `json:"created_at"`
}

// Placement is an order's slice sent to a venue.
type Placement struct {
	PlacementID    string          `json:"placement_id"`
	OrderID        string          `json:"order_id"`
	Venue          string          `json:"venue"`
	BrokerID       string          `json:"broker_id"`
	Strategy       string          `json:"strategy"`
	Quantity       decimal.Decimal `json:"quantity"`
	FilledQuantity decimal.Decimal `json:"filled_quantity"`
	State          string          `json:"state"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Allocation is a share of a filled order booked to an account.
type Allocation struct {
	AllocationID string          `json:"allocation_id"`
	OrderID      string          `json:"order_id"`
	AccountID    string          `json:"account_id"`
	PortfolioID  string          `json:"portfolio_id"`
	Quantity     decimal.Decimal `json:"quantity"`
	CreatedBy    string          `json:"created_by"`
	Version      int             `json:"version"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// Basket groups orders for coordinated execution.
type Basket struct {
	BasketID  string    `json:"basket_id"`
	Name      string    `json:"name"`
	OrderIDs  []string  `json:"order_ids"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Rule is a compliance rule. Parameters keep numbers exact: decimals arrive
// as strings, other numbers as json.Number.
type Rule struct {
	RuleID         string         `json:"rule_id"`
	RuleType       RuleType       `json:"rule_type"`
	Name           string         `json:"name"`
	Parameters     map[string]any `json:"parameters"`
	TargetAccounts []string       `json:"target_accounts"`
	Severity       Severity       `json:"severity"`
	Active         bool           `json:"active"`
	DeploymentID   string         `json:"deployment_id"`
	CreatedBy      string         `json:"created_by"`
	Version        int            `json:"version"`
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Violation is one rule an order breaks, as a compliance verdict or a
// what-if result carries it.
type Violation struct {
	RuleID      string   `json:"rule_id"`
	RuleName    string   `json:"rule_name"`
	Severity    Severity `json:"severity"`
	Description string   `json:"description"`
}

// ComplianceResult is the verdict for one proposed order of CheckComplianceWhatIf.
type ComplianceResult struct {
	Passed     bool        `json:"passed"`
	Violations []Violation `json:"violations"`
}

// Headroom is how much capacity a rule leaves (QueryComplianceHeadroom).
type Headroom struct {
	PortfolioID  string          `json:"portfolio_id"`
	RuleID       string          `json:"rule_id"`
	CurrentValue decimal.Decimal `json:"current_value"`
	LimitValue   decimal.Decimal `json:"limit_value"`
	Headroom     decimal.Decimal `json:"headroom"`
	// HeadroomPct is a ratio (0.36), a JSON number on the wire.
	HeadroomPct float64 `json:"headroom_pct"`
	Unit        string  `json:"unit"`
	Measured    string  `json:"measured"`
}

// ComplianceEvent is one event of SubscribeCompliance.
type ComplianceEvent struct {
	EventID int64 `json:"event_id"`
	// EventType is PRE_TRADE_PASSED, PRE_TRADE_FAILED, …, RULE_CREATED, BREACH, …
	EventType string `json:"event_type"`
	// Severity is HARD, SOFT or "" (null).
	Severity     Severity       `json:"severity"`
	PortfolioID  string         `json:"portfolio_id"`
	PortfolioIDs []string       `json:"portfolio_ids"`
	RuleID       string         `json:"rule_id"`
	OrderID      string         `json:"order_id"`
	Details      map[string]any `json:"details"`
	OccurredAt   time.Time      `json:"occurred_at"`
	RecordedAt   time.Time      `json:"recorded_at"`
}

// Session is the answer of session.authenticate: who the client is.
type Session struct {
	TenantID    string `json:"tenant_id"`
	PrincipalID string `json:"principal_id"`
	Role        Role   `json:"role"`
	// PortfolioIDs is nil when the principal sees every portfolio of its tenant.
	PortfolioIDs []string `json:"portfolio_ids"`
}

// Principal is a user or a system of a tenant.
type Principal struct {
	PrincipalID  string    `json:"principal_id"`
	Role         Role      `json:"role"`
	PortfolioIDs []string  `json:"portfolio_ids"`
	DisplayName  string    `json:"display_name"`
	DisabledAt   time.Time `json:"disabled_at"`
}

// APIKey is a new key (the secret is shown once).
type APIKey struct {
	APIKey      string `json:"api_key"`
	KeyID       string `json:"key_id"`
	PrincipalID string `json:"principal_id"`
}

// Portfolio is a book of positions.
type Portfolio struct {
	PortfolioID  string          `json:"portfolio_id"`
	Name         string          `json:"name"`
	BaseCurrency string          `json:"base_currency"`
	Cash         decimal.Decimal `json:"cash"`
}

// Account is an account allocations are booked to.
type Account struct {
	AccountID   string `json:"account_id"`
	PortfolioID string `json:"portfolio_id"`
	Name        string `json:"name"`
}

// Instrument is a tradable instrument.
type Instrument struct {
	InstrumentID string `json:"instrument_id"`
	Symbol       string `json:"symbol"`
	Currency     string `json:"currency"`
	Issuer       string `json:"issuer"`
	Sector       string `json:"sector"`
}

// Position is a portfolio's holding of an instrument.
type Position struct {
	PortfolioID  string          `json:"portfolio_id"`
	InstrumentID string          `json:"instrument_id"`
	Quantity     decimal.Decimal `json:"quantity"`
}

// Price is an instrument's market price.
type Price struct {
	InstrumentID string          `json:"instrument_id"`
	Price        decimal.Decimal `json:"price"`
	AsOf         time.Time       `json:"as_of"`
}
