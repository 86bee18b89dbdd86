package oms

import (
	"encoding/json"
	"errors"
	"testing"
)

// Rules are created, updated, soft-deleted and listed; parameters keep
// their decimals exact.
func TestRulesLifecycle(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	ruleID := must(d.compliance.OMS.CreateRule(ctx, &CreateRuleRequest{RuleType: RuleConcentrationLimit,
		Parameters:     map[string]any{"max_pct": dec("0.05"), "scope": "single_name"},
		TargetAccounts: []string{"PORT-001", "PORT-002"}, Active: Bool(true), Name: unique("rule")}))(t)
	rule := must(d.compliance.OMS.UpdateRule(ctx, ruleID, &RuleChanges{Parameters: map[string]any{"max_pct": dec("0.10")}}))(t)
	if rule.Version != 2 || rule.Parameters["max_pct"] != "0.1" {
		t.Fatalf("updated rule: %+v", rule)
	}
	rule = must(d.compliance.OMS.DeleteRule(ctx, ruleID))(t)
	if rule.Active || rule.Version != 3 {
		t.Fatalf("deleted rule: %+v", rule)
	}
	rules := must(d.compliance.OMS.ListRules(ctx, &ListRulesRequest{PortfolioID: "PORT-001", RuleType: RuleConcentrationLimit}))(t)
	var found *Rule
	for i := range rules {
		if rules[i].RuleType != RuleConcentrationLimit {
			t.Fatalf("filter ignored: %+v", rules[i])
		}
		if rules[i].RuleID == ruleID {
			found = &rules[i]
		}
	}
	if found == nil || len(found.TargetAccounts) != 2 || found.Severity != SeverityHard {
		t.Fatalf("rule %s not listed as written: %+v", ruleID, found)
	}
	active := must(d.compliance.OMS.ListRules(ctx, &ListRulesRequest{Active: Bool(true)}))(t)
	for _, r := range active {
		if r.RuleID == ruleID {
			t.Fatal("a deleted rule is listed as active")
		}
	}
	_, err := d.compliance.OMS.UpdateRule(ctx, ruleID, &RuleChanges{}, WithParam("changes", map[string]any{"rule_id": "X"}))
	expectCode(t, err, ErrFieldLocked)
}

// What-if and headroom, as the SDK page shows them: a 5% concentration
// rule fails a 5000 AAPL proposal; a 5,000,000 position limit on a position
// of 3,200,000 leaves 1,800,000.
func TestWhatIfAndHeadroom(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	ruleID := must(d.compliance.OMS.CreateRule(ctx, &CreateRuleRequest{RuleType: RuleConcentrationLimit,
		Name: "Max Position Size", Parameters: map[string]any{"max_pct": 0.05, "scope": "single_name"},
		TargetAccounts: []string{"PORT-001"}}))(t)
	results, err := d.pm.OMS.CheckComplianceWhatIf(ctx, []ProposedOrder{{PortfolioID: "PORT-001", InstrumentID: aapl,
		Direction: DirectionBuy, OrderedQuantity: dec("5000")}})
	must(d.compliance.OMS.DeleteRule(ctx, ruleID))(t)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Passed || len(results[0].Violations) == 0 {
		t.Fatalf("what-if: %+v", results)
	}
	var mine *Violation
	for i, v := range results[0].Violations {
		if v.RuleID == ruleID {
			mine = &results[0].Violations[i]
		}
	}
	if mine == nil || mine.Severity != SeverityHard || mine.Description == "" {
		t.Fatalf("violations: %+v", results[0].Violations)
	}

	instrument := "INS-GO-HEADROOM"
	if _, err := d.admin.OMS.CreateInstrument(ctx, &CreateInstrumentRequest{InstrumentID: instrument, Symbol: "GOHR"}); err != nil &&
		!errors.Is(err, ErrAlreadyExists) {
		t.Fatal(err)
	}
	must(d.admin.OMS.SetPrice(ctx, &SetPriceRequest{InstrumentID: instrument, Price: dec("0.01")}))(t)
	must(d.admin.OMS.SetPosition(ctx, "PORT-001", instrument, dec("3200000")))(t)
	ruleID = must(d.compliance.OMS.CreateRule(ctx, &CreateRuleRequest{RuleType: RuleMaxPositionQuantity,
		Name: "Max Position Size", Parameters: map[string]any{"max_quantity": 5000000, "instrument_id": instrument},
		TargetAccounts: []string{"PORT-001"}}))(t)
	headroom, err := d.pm.OMS.QueryComplianceHeadroom(ctx, &HeadroomRequest{PortfolioID: "PORT-001", RuleID: ruleID})
	must(d.compliance.OMS.DeleteRule(ctx, ruleID))(t)
	must(d.admin.OMS.SetPosition(ctx, "PORT-001", instrument, dec("0")))(t)
	if err != nil {
		t.Fatal(err)
	}
	if !headroom.CurrentValue.Equal(dec("3200000")) || !headroom.LimitValue.Equal(dec("5000000")) ||
		!headroom.Headroom.Equal(dec("1800000")) || headroom.HeadroomPct != 0.36 || headroom.Unit != "quantity" {
		t.Fatalf("headroom: %+v", headroom)
	}
}

// A failed verdict keeps its violations in the order's history.
func TestViolationRoundTrip(t *testing.T) {
	d := theDemo(t)
	orderID := d.failedPreTrade(t)
	history := must(d.pm.OMS.GetOrderHistory(ctxFor(t), orderID))(t)
	last := history[len(history)-1]
	payload, _ := json.Marshal(last.Payload)
	if last.ToState != StatePreTradeComplianceFailed || !json.Valid(payload) || !contains(string(payload), violation.RuleID) {
		t.Fatalf("last event: %+v", last)
	}
}

func contains(text, part string) bool {
	for i := 0; i+len(part) <= len(text); i++ {
		if text[i:i+len(part)] == part {
			return true
		}
	}
	return false
}
