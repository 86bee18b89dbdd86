package oms

// method is what the client needs to know of a catalogue method.
type method struct {
	// mutating methods take an idempotency_key; the client sends one on every
	// call (its own when none is given) and so may repeat the call after a
	// lost connection.
	mutating bool
	// goName is the method of OMSService that calls it.
	goName string
}

// catalogue lists every method of docs/api.md (rpc.discover is the live
// list; TestCatalogueMatchesRPCDiscover compares them). Read-only methods
// are safe to repeat as they are.
var catalogue = map[string]method{
	"oms.create_order":                   {true, "CreateOrder"},
	"oms.update_order":                   {true, "UpdateOrder"},
	"oms.cancel_order":                   {true, "CancelOrder"},
	"oms.close_order":                    {true, "CloseOrder"},
	"oms.get_order":                      {false, "GetOrder"},
	"oms.list_orders":                    {false, "ListOrders"},
	"oms.get_order_history":              {false, "GetOrderHistory"},
	"oms.list_order_links":               {false, "ListOrderLinks"},
	"oms.request_pre_trade_compliance":   {true, "RequestPreTradeCompliance"},
	"oms.pass_pre_trade_compliance":      {true, "PassPreTradeCompliance"},
	"oms.fail_pre_trade_compliance":      {true, "FailPreTradeCompliance"},
	"oms.override_pre_trade_compliance":  {true, "OverridePreTradeCompliance"},
	"oms.request_post_trade_compliance":  {true, "RequestPostTradeCompliance"},
	"oms.pass_post_trade_compliance":     {true, "PassPostTradeCompliance"},
	"oms.fail_post_trade_compliance":     {true, "FailPostTradeCompliance"},
	"oms.override_post_trade_compliance": {true, "OverridePostTradeCompliance"},
	"oms.send_to_trader":                 {true, "SendToTrader, SendBasketToTrader"},
	"oms.send_to_operations":             {true, "SendToOperations"},
	"oms.confirm_order":                  {true, "ConfirmOrder"},
	"oms.settle_order":                   {true, "SettleOrder"},
	"oms.reconcile_order":                {true, "ReconcileOrder"},
	"oms.reject_order":                   {true, "RejectOrder"},
	"ems.create_placement":               {true, "CreatePlacement"},
	"ems.cancel_placement":               {true, "CancelPlacement"},
	"ems.record_fill":                    {true, "RecordFill"},
	"ems.list_placements":                {false, "ListPlacements"},
	"oms.create_allocation":              {true, "CreateAllocation"},
	"oms.update_allocation":              {true, "UpdateAllocation"},
	"oms.get_allocation":                 {false, "GetAllocation"},
	"oms.list_allocations":               {false, "ListAllocations"},
	"oms.create_basket":                  {true, "CreateBasket"},
	"oms.get_basket":                     {false, "GetBasket"},
	"oms.merge_orders":                   {true, "MergeOrders"},
	"oms.split_order":                    {true, "SplitOrder"},
	"oms.create_rule":                    {true, "CreateRule"},
	"oms.update_rule":                    {true, "UpdateRule"},
	"oms.delete_rule":                    {true, "DeleteRule"},
	"oms.list_rules":                     {false, "ListRules"},
	"oms.check_compliance_what_if":       {false, "CheckComplianceWhatIf"},
	"oms.query_compliance_headroom":      {false, "QueryComplianceHeadroom"},
	"oms.subscribe_compliance":           {false, "SubscribeCompliance"},
	"oms.subscribe_orders":               {false, "SubscribeOrders"},
	"oms.unsubscribe":                    {false, "Unsubscribe"},
	"admin.create_principal":             {true, "CreatePrincipal"},
	"admin.create_api_key":               {true, "CreateAPIKey"},
	"admin.revoke_api_key":               {true, "RevokeAPIKey"},
	"admin.disable_principal":            {true, "DisablePrincipal"},
	"admin.enable_principal":             {true, "EnablePrincipal"},
	"admin.create_portfolio":             {true, "CreatePortfolio"},
	"admin.create_account":               {true, "CreateAccount"},
	"admin.create_instrument":            {true, "CreateInstrument"},
	"admin.set_position":                 {true, "SetPosition"},
	"market.set_price":                   {true, "SetPrice"},
	"session.authenticate":               {false, "(Dial)"},
	"rpc.discover":                       {false, "Client.Discover"},
}

// repeatable reports whether a call whose answer was lost may be sent again:
// read-only calls and calls with an idempotency key. A subscribe (the new
// subscription would be a second one) and oms.unsubscribe (its subscription
// died with the connection) are not.
func repeatable(name string) bool {
	switch name {
	case "oms.subscribe_compliance", "oms.subscribe_orders", "oms.unsubscribe":
		return false
	}
	return true // read-only, or mutating and so carrying a key
}
