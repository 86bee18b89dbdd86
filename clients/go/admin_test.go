package oms

import (
	"context"
	"testing"
	"time"
)

// Principals, keys, portfolios, accounts, instruments, positions and prices;
// a revoked key stops authenticating.
func TestAdministration(t *testing.T) {
	d := theDemo(t)
	ctx := ctxFor(t)
	principalID := unique("go-pm")
	principal := must(d.admin.OMS.CreatePrincipal(ctx, &CreatePrincipalRequest{PrincipalID: principalID, Role: RolePM,
		PortfolioIDs: []string{"PORT-002"}, DisplayName: "Go PM"}))(t)
	if principal.Role != RolePM || len(principal.PortfolioIDs) != 1 || principal.DisplayName != "Go PM" {
		t.Fatalf("principal: %+v", principal)
	}
	key := must(d.admin.OMS.CreateAPIKey(ctx, principalID))(t)
	limited := dial(t, "", Config{APIKey: key.APIKey})
	if session := limited.Session(); session.PrincipalID != principalID || session.Role != RolePM || len(session.PortfolioIDs) != 1 {
		t.Fatalf("session: %+v", session)
	}
	_, err := limited.OMS.GetOrder(ctx, d.created(t)) // PORT-001: not entitled
	expectCode(t, err, ErrOrderNotFound)

	disabled := must(d.admin.OMS.DisablePrincipal(ctx, principalID))(t)
	if disabled.DisabledAt.IsZero() {
		t.Fatalf("disabled: %+v", disabled)
	}
	_, err = Dial(ctx, Config{Address: ownAddress(t), APIKey: key.APIKey})
	expectCode(t, err, ErrUnauthenticated)
	if enabled := must(d.admin.OMS.EnablePrincipal(ctx, principalID))(t); !enabled.DisabledAt.IsZero() {
		t.Fatalf("enabled: %+v", enabled)
	}
	if err := d.admin.OMS.RevokeAPIKey(ctx, key.KeyID); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 3*time.Second, "the revoked key's session to answer UNAUTHENTICATED", func() bool {
		_, err := limited.OMS.ListOrders(context.Background(), nil)
		return err != nil
	})
	_, err = limited.OMS.ListOrders(ctx, nil)
	expectCode(t, err, ErrUnauthenticated)

	portfolioID := unique("PF")
	portfolio := must(d.admin.OMS.CreatePortfolio(ctx, &CreatePortfolioRequest{PortfolioID: portfolioID, Name: "Go",
		BaseCurrency: "EUR", Cash: dec("-12.50")}))(t)
	if wireDecimal(portfolio.Cash) != "-12.50" || portfolio.BaseCurrency != "EUR" {
		t.Fatalf("portfolio: %+v", portfolio)
	}
	account := must(d.admin.OMS.CreateAccount(ctx, &CreateAccountRequest{AccountID: unique("AC"), PortfolioID: portfolioID, Name: "Go"}))(t)
	if account.PortfolioID != portfolioID || account.Name != "Go" {
		t.Fatalf("account: %+v", account)
	}
	instrumentID := unique("INS")
	instrument := must(d.admin.OMS.CreateInstrument(ctx, &CreateInstrumentRequest{InstrumentID: instrumentID, Symbol: "GO",
		Currency: "EUR", Issuer: "Gopher AG", Sector: "Tech"}))(t)
	if instrument.Issuer != "Gopher AG" || instrument.Currency != "EUR" {
		t.Fatalf("instrument: %+v", instrument)
	}
	position := must(d.admin.OMS.SetPosition(ctx, portfolioID, instrumentID, dec("-10.5")))(t)
	if wireDecimal(position.Quantity) != "-10.5" {
		t.Fatalf("position: %+v", position)
	}
	asOf := time.Date(2026, 3, 27, 14, 5, 9, 123456000, time.UTC)
	price := must(d.system.OMS.SetPrice(ctx, &SetPriceRequest{InstrumentID: instrumentID, Price: dec("99.12345678"), AsOf: asOf}))(t)
	if wireDecimal(price.Price) != "99.12345678" || !price.AsOf.Equal(asOf) {
		t.Fatalf("price: %+v", price)
	}
	_, err = d.admin.OMS.CreatePortfolio(ctx, &CreatePortfolioRequest{PortfolioID: portfolioID, Name: "again"})
	expectCode(t, err, ErrAlreadyExists)
}
