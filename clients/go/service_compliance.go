package oms

import "context"

// RequestPreTradeCompliance asks for pre-trade compliance (oms.request_pre_trade_compliance, PM).
func (s *OMSService) RequestPreTradeCompliance(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.request_pre_trade_compliance", orderID, opts)
}

// PassPreTradeCompliance records a passed pre-trade check (oms.pass_pre_trade_compliance, Compliance).
func (s *OMSService) PassPreTradeCompliance(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.pass_pre_trade_compliance", orderID, opts)
}

// FailPreTradeCompliance records a failed pre-trade check with its
// violations (oms.fail_pre_trade_compliance, Compliance).
func (s *OMSService) FailPreTradeCompliance(ctx context.Context, orderID string, violations []Violation, opts ...CallOption) (*Order, error) {
	return s.order(ctx, "oms.fail_pre_trade_compliance", params{"order_id": orderID, "violations": violationsWire(violations)}, opts)
}

// OverridePreTradeCompliance overrides a failed pre-trade check and returns
// the override's id (oms.override_pre_trade_compliance, Compliance).
func (s *OMSService) OverridePreTradeCompliance(ctx context.Context, orderID, reason, approverID string, opts ...CallOption) (string, error) {
	return s.override(ctx, "oms.override_pre_trade_compliance", orderID, reason, approverID, opts)
}

// RequestPostTradeCompliance asks for post-trade compliance (oms.request_post_trade_compliance, Ops).
func (s *OMSService) RequestPostTradeCompliance(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.request_post_trade_compliance", orderID, opts)
}

// PassPostTradeCompliance records a passed post-trade check (oms.pass_post_trade_compliance, Compliance).
func (s *OMSService) PassPostTradeCompliance(ctx context.Context, orderID string, opts ...CallOption) (*Order, error) {
	return s.orderCommand(ctx, "oms.pass_post_trade_compliance", orderID, opts)
}

// FailPostTradeCompliance records a failed post-trade check (oms.fail_post_trade_compliance, Compliance).
func (s *OMSService) FailPostTradeCompliance(ctx context.Context, orderID string, violations []Violation, opts ...CallOption) (*Order, error) {
	return s.order(ctx, "oms.fail_post_trade_compliance", params{"order_id": orderID, "violations": violationsWire(violations)}, opts)
}

// OverridePostTradeCompliance overrides a failed post-trade check and
// returns the override's id (oms.override_post_trade_compliance, Compliance).
func (s *OMSService) OverridePostTradeCompliance(ctx context.Context, orderID, reason, approverID string, opts ...CallOption) (string, error) {
	return s.override(ctx, "oms.override_post_trade_compliance", orderID, reason, approverID, opts)
}

func (s *OMSService) override(ctx context.Context, method, orderID, reason, approverID string, opts []CallOption) (string, error) {
	var result struct {
		OverrideID string `json:"override_id"`
	}
	p := params{"order_id": orderID, "reason": reason, "approver_id": approverID}
	err := s.client.call(ctx, method, p, &result, opts)
	return result.OverrideID, err
}

func violationsWire(violations []Violation) []Violation {
	if violations == nil {
		return []Violation{}
	}
	return violations
}

// CheckComplianceWhatIf evaluates proposed orders without recording
// anything; one result per proposal, in order (oms.check_compliance_what_if).
func (s *OMSService) CheckComplianceWhatIf(ctx context.Context, proposed []ProposedOrder, opts ...CallOption) ([]ComplianceResult, error) {
	wire := make([]params, len(proposed))
	for i, o := range proposed {
		wire[i] = params{}.str("portfolio_id", o.PortfolioID).str("instrument_id", o.InstrumentID).
			str("direction", string(o.Direction)).dec("ordered_quantity", o.OrderedQuantity).
			optDec("limit_price", o.LimitPrice)
	}
	var result struct {
		Results []ComplianceResult `json:"results"`
	}
	err := s.client.call(ctx, "oms.check_compliance_what_if", params{"proposed_orders": wire}, &result, opts)
	return result.Results, err
}

// QueryComplianceHeadroom returns how much capacity a rule leaves
// (oms.query_compliance_headroom).
func (s *OMSService) QueryComplianceHeadroom(ctx context.Context, req *HeadroomRequest, opts ...CallOption) (*Headroom, error) {
	p := params{}.str("portfolio_id", req.PortfolioID).str("rule_id", req.RuleID).optStr("instrument_id", req.InstrumentID)
	var result Headroom
	if err := s.client.call(ctx, "oms.query_compliance_headroom", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// CreateRule creates a compliance rule and returns its id (oms.create_rule, Compliance or Admin).
func (s *OMSService) CreateRule(ctx context.Context, req *CreateRuleRequest, opts ...CallOption) (string, error) {
	p := params{}.str("rule_type", string(req.RuleType)).optStr("name", req.Name).
		optStr("severity", string(req.Severity)).optStr("deployment_id", req.DeploymentID).optBool("active", req.Active)
	p["parameters"] = wireValue(nonNilMap(req.Parameters))
	p["target_accounts"] = nonNilStrings(req.TargetAccounts)
	var result struct {
		RuleID string `json:"rule_id"`
	}
	err := s.client.call(ctx, "oms.create_rule", p, &result, opts)
	return result.RuleID, err
}

// UpdateRule changes a rule and returns it, its version one higher (oms.update_rule).
func (s *OMSService) UpdateRule(ctx context.Context, ruleID string, changes *RuleChanges, opts ...CallOption) (*Rule, error) {
	wire := params{}.optStr("rule_type", string(changes.RuleType)).optStr("name", changes.Name).
		optStr("severity", string(changes.Severity)).optBool("active", changes.Active).
		optStrings("target_accounts", changes.TargetAccounts)
	if changes.Parameters != nil {
		wire["parameters"] = wireValue(changes.Parameters)
	}
	return s.rule(ctx, "oms.update_rule", params{"rule_id": ruleID, "changes": wire}, opts)
}

// DeleteRule deactivates a rule, keeping its record (oms.delete_rule).
func (s *OMSService) DeleteRule(ctx context.Context, ruleID string, opts ...CallOption) (*Rule, error) {
	return s.rule(ctx, "oms.delete_rule", params{"rule_id": ruleID}, opts)
}

// ListRules returns the rules that match (oms.list_rules; req may be nil).
func (s *OMSService) ListRules(ctx context.Context, req *ListRulesRequest, opts ...CallOption) ([]Rule, error) {
	p := params{}
	if req != nil {
		p.optStr("portfolio_id", req.PortfolioID).optStr("rule_type", string(req.RuleType)).optBool("active", req.Active)
	}
	var result struct {
		Rules []Rule `json:"rules"`
	}
	err := s.client.call(ctx, "oms.list_rules", p, &result, opts)
	return result.Rules, err
}

func (s *OMSService) rule(ctx context.Context, method string, p params, opts []CallOption) (*Rule, error) {
	var result Rule
	if err := s.client.call(ctx, method, p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// SubscribeCompliance streams compliance events (oms.subscribe_compliance)
// until ctx ends or the subscription is closed; req may be nil.
func (s *OMSService) SubscribeCompliance(ctx context.Context, req *SubscribeRequest) (*Subscription[ComplianceEvent], error) {
	return subscribe(ctx, s.client, "oms.subscribe_compliance", req, func(e *ComplianceEvent) int64 { return e.EventID })
}

// SubscribeOrders streams order events (oms.subscribe_orders) until ctx
// ends or the subscription is closed; req may be nil.
func (s *OMSService) SubscribeOrders(ctx context.Context, req *SubscribeRequest) (*Subscription[OrderEvent], error) {
	return subscribe(ctx, s.client, "oms.subscribe_orders", req, func(e *OrderEvent) int64 { return e.EventID })
}

// Unsubscribe ends a subscription of this connection by its server id
// (oms.unsubscribe); Subscription.Close does this for you.
func (s *OMSService) Unsubscribe(ctx context.Context, subscriptionID string, opts ...CallOption) error {
	return s.client.call(ctx, "oms.unsubscribe", params{"subscription_id": subscriptionID}, nil, opts)
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
