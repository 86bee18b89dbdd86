package oms

import (
	"context"

	"github.com/shopspring/decimal"
)

// CreatePrincipal creates a user or system of the tenant (admin.create_principal, Admin).
func (s *OMSService) CreatePrincipal(ctx context.Context, req *CreatePrincipalRequest, opts ...CallOption) (*Principal, error) {
	p := params{}.str("principal_id", req.PrincipalID).str("role", string(req.Role)).
		optStrings("portfolio_ids", req.PortfolioIDs).optStr("display_name", req.DisplayName)
	var result Principal
	if err := s.client.call(ctx, "admin.create_principal", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// CreateAPIKey creates a key for a principal; the secret is shown once (admin.create_api_key, Admin).
func (s *OMSService) CreateAPIKey(ctx context.Context, principalID string, opts ...CallOption) (*APIKey, error) {
	var result APIKey
	if err := s.client.call(ctx, "admin.create_api_key", params{"principal_id": principalID}, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// RevokeAPIKey revokes a key: its sessions answer UNAUTHENTICATED within a
// second (admin.revoke_api_key, Admin).
func (s *OMSService) RevokeAPIKey(ctx context.Context, keyID string, opts ...CallOption) error {
	return s.client.call(ctx, "admin.revoke_api_key", params{"key_id": keyID}, nil, opts)
}

// DisablePrincipal stops a principal's keys and sessions (admin.disable_principal, Admin).
func (s *OMSService) DisablePrincipal(ctx context.Context, principalID string, opts ...CallOption) (*Principal, error) {
	return s.principal(ctx, "admin.disable_principal", principalID, opts)
}

// EnablePrincipal lets a disabled principal's unrevoked keys authenticate again (admin.enable_principal, Admin).
func (s *OMSService) EnablePrincipal(ctx context.Context, principalID string, opts ...CallOption) (*Principal, error) {
	return s.principal(ctx, "admin.enable_principal", principalID, opts)
}

func (s *OMSService) principal(ctx context.Context, method, principalID string, opts []CallOption) (*Principal, error) {
	var result Principal
	if err := s.client.call(ctx, method, params{"principal_id": principalID}, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// CreatePortfolio creates a portfolio (admin.create_portfolio, Admin).
func (s *OMSService) CreatePortfolio(ctx context.Context, req *CreatePortfolioRequest, opts ...CallOption) (*Portfolio, error) {
	p := params{}.str("portfolio_id", req.PortfolioID).str("name", req.Name).
		optStr("base_currency", req.BaseCurrency).dec("cash", req.Cash)
	var result Portfolio
	if err := s.client.call(ctx, "admin.create_portfolio", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// CreateAccount creates an account of a portfolio (admin.create_account, Admin).
func (s *OMSService) CreateAccount(ctx context.Context, req *CreateAccountRequest, opts ...CallOption) (*Account, error) {
	p := params{}.str("account_id", req.AccountID).str("portfolio_id", req.PortfolioID).optStr("name", req.Name)
	var result Account
	if err := s.client.call(ctx, "admin.create_account", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// CreateInstrument creates an instrument (admin.create_instrument, Admin).
func (s *OMSService) CreateInstrument(ctx context.Context, req *CreateInstrumentRequest, opts ...CallOption) (*Instrument, error) {
	p := params{}.str("instrument_id", req.InstrumentID).str("symbol", req.Symbol).optStr("currency", req.Currency).
		optStr("issuer", req.Issuer).optStr("sector", req.Sector)
	var result Instrument
	if err := s.client.call(ctx, "admin.create_instrument", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// SetPosition sets a portfolio's position in an instrument; zero and
// negative quantities are allowed (admin.set_position, Admin or Ops).
func (s *OMSService) SetPosition(ctx context.Context, portfolioID, instrumentID string, quantity decimal.Decimal, opts ...CallOption) (*Position, error) {
	p := params{}.str("portfolio_id", portfolioID).str("instrument_id", instrumentID).dec("quantity", quantity)
	var result Position
	if err := s.client.call(ctx, "admin.set_position", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}

// SetPrice records an instrument's market price (market.set_price, System or Admin).
func (s *OMSService) SetPrice(ctx context.Context, req *SetPriceRequest, opts ...CallOption) (*Price, error) {
	p := params{}.str("instrument_id", req.InstrumentID).dec("price", req.Price).optTime("as_of", req.AsOf)
	var result Price
	if err := s.client.call(ctx, "market.set_price", p, &result, opts); err != nil {
		return nil, err
	}
	return &result, nil
}
