package oms

// Direction is an order's side.
type Direction string

// The directions of docs/api.md.
const (
	DirectionBuy        Direction = "Buy"
	DirectionSell       Direction = "Sell"
	DirectionSellShort  Direction = "SellShort"
	DirectionBuyToCover Direction = "BuyToCover"
)

// OrderType is how an order is priced.
type OrderType string

// The order types; Limit and StopLimit need a limit price, Stop and StopLimit a stop price.
const (
	OrderTypeMarket           OrderType = "Market"
	OrderTypeLimit            OrderType = "Limit"
	OrderTypeStop             OrderType = "Stop"
	OrderTypeStopLimit        OrderType = "StopLimit"
	OrderTypePreviouslyQuoted OrderType = "PreviouslyQuoted"
)

// TimeInForce is how long an order stays working.
type TimeInForce string

// The times in force (GTD needs expire_at).
const (
	TIFDay        TimeInForce = "Day"
	TIFGTC        TimeInForce = "GTC"
	TIFIOC        TimeInForce = "IOC"
	TIFFOK        TimeInForce = "FOK"
	TIFGTD        TimeInForce = "GTD"
	TIFAtTheOpen  TimeInForce = "AtTheOpen"
	TIFAtTheClose TimeInForce = "AtTheClose"
)

// OrderState is one of the 18 states of the order lifecycle.
type OrderState string

// The lifecycle's states, in the SDK page's order.
const (
	StateCreated                    OrderState = "CREATED"
	StatePendingPreTradeCompliance  OrderState = "PENDING_PRE_TRADE_COMPLIANCE"
	StatePreTradeCompliancePassed   OrderState = "PRE_TRADE_COMPLIANCE_PASSED"
	StatePreTradeComplianceFailed   OrderState = "PRE_TRADE_COMPLIANCE_FAILED"
	StateSentToTrader               OrderState = "SENT_TO_TRADER"
	StateRouted                     OrderState = "ROUTED"
	StatePartiallyFilled            OrderState = "PARTIALLY_FILLED"
	StateFilled                     OrderState = "FILLED"
	StateClosed                     OrderState = "CLOSED"
	StateSentToOperations           OrderState = "SENT_TO_OPERATIONS"
	StatePendingPostTradeCompliance OrderState = "PENDING_POST_TRADE_COMPLIANCE"
	StatePostTradeCompliancePassed  OrderState = "POST_TRADE_COMPLIANCE_PASSED"
	StatePostTradeComplianceFailed  OrderState = "POST_TRADE_COMPLIANCE_FAILED"
	StateConfirmed                  OrderState = "CONFIRMED"
	StateSettled                    OrderState = "SETTLED"
	StateReconciled                 OrderState = "RECONCILED"
	StateCanceled                   OrderState = "CANCELED"
	StateRejected                   OrderState = "REJECTED"
)

// Role is a principal's role; it decides which commands it may run.
type Role string

// The roles.
const (
	RolePM         Role = "PM"
	RoleTrader     Role = "Trader"
	RoleOps        Role = "Ops"
	RoleCompliance Role = "Compliance"
	RoleSystem     Role = "System"
	RoleAdmin      Role = "Admin"
)

// Severity is a rule's or a violation's severity: HARD fails an order, SOFT warns.
type Severity string

// The severities.
const (
	SeverityHard Severity = "HARD"
	SeveritySoft Severity = "SOFT"
)

// RuleType is the kind of a compliance rule (docs/compliance.md).
type RuleType string

// The rule types the built-in evaluator knows.
const (
	RuleConcentrationLimit  RuleType = "concentration_limit"
	RuleMaxOrderQuantity    RuleType = "max_order_quantity"
	RuleMaxOrderNotional    RuleType = "max_order_notional"
	RuleRestrictedList      RuleType = "restricted_list"
	RuleNoShortSales        RuleType = "no_short_sales"
	RuleMaxPositionQuantity RuleType = "max_position_quantity"
)
