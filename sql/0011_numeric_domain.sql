-- The numeric domain (docs/api.md, "Numeric domain"; OMSCore NumericDomain).
--
-- Until now any decimal the JSON decoder accepted (up to about 1e127, down to
-- 1e-127) was stored, and the rule engine's Decimal arithmetic on such values
-- trapped (1e-70 x 1e-70 killed the process) or overflowed to NaN, which
-- compared false against every limit, so HARD limits passed. The edge now
-- refuses values outside the domain with INVALID_ARGUMENT; these constraints
-- hold the same bounds for every writer, so the engine never meets a value it
-- cannot compute with:
--
--   quantity  |q| < 10^14, at most 6 decimal places
--   price     0 < p < 10^12, at most 8 decimal places
--   money     |m| < 10^20, at most 8 decimal places
--   max_pct   0 < p <= 1, at most 8 decimal places
--
-- Decimal places are checked by value (x = round(x, s)), not by the scale
-- PostgreSQL keeps, so 1.5000000 is a fine quantity and 1.0000001 is not.
-- NaN and infinities fail every check (abs(x) < bound is false for them).
-- The columns stay unconstrained numeric: numeric(p,s) would round a value
-- with too many places instead of refusing it.
--
-- The constraints are validated: a database holding values outside the
-- domain refuses this migration (find them with the same predicates, e.g.
-- SELECT order_id FROM orders WHERE NOT (ordered_quantity = round(ordered_quantity, 6)
-- AND ordered_quantity < 1e14)), and an operator decides what becomes of them.

ALTER TABLE orders
    ADD CONSTRAINT orders_ordered_quantity_domain
        CHECK (ordered_quantity = round(ordered_quantity, 6) AND ordered_quantity < 1e14),
    ADD CONSTRAINT orders_executed_quantity_domain
        CHECK (executed_quantity = round(executed_quantity, 6) AND executed_quantity < 1e14),
    ADD CONSTRAINT orders_limit_price_domain
        CHECK (limit_price = round(limit_price, 8) AND limit_price < 1e12),
    ADD CONSTRAINT orders_stop_price_domain
        CHECK (stop_price = round(stop_price, 8) AND stop_price < 1e12);

ALTER TABLE placements
    ADD CONSTRAINT placements_quantity_domain
        CHECK (quantity = round(quantity, 6) AND quantity < 1e14),
    ADD CONSTRAINT placements_filled_quantity_domain
        CHECK (filled_quantity = round(filled_quantity, 6) AND filled_quantity < 1e14);

ALTER TABLE fills
    ADD CONSTRAINT fills_quantity_domain
        CHECK (quantity = round(quantity, 6) AND quantity < 1e14),
    ADD CONSTRAINT fills_price_domain
        CHECK (price = round(price, 8) AND price < 1e12);

ALTER TABLE allocations
    ADD CONSTRAINT allocations_quantity_domain
        CHECK (quantity = round(quantity, 6) AND quantity < 1e14);

-- Positions may be 0 or negative (a short), cash too (an overdraft).
ALTER TABLE positions
    ADD CONSTRAINT positions_quantity_domain
        CHECK (quantity = round(quantity, 6) AND abs(quantity) < 1e14);

ALTER TABLE portfolios
    ADD CONSTRAINT portfolios_cash_domain
        CHECK (cash = round(cash, 8) AND abs(cash) < 1e20);

ALTER TABLE prices
    ADD CONSTRAINT prices_price_domain
        CHECK (price = round(price, 8) AND price < 1e12);

-- Rule limits are stored as decimal strings in parameters (0005); the ranges
-- (> 0, max_pct <= 1) stay in rule_parameters_by_type, the domain is added
-- here. A missing key makes the comparison NULL, which passes, as it should
-- for the types that do not have that parameter.
ALTER TABLE rules
    ADD CONSTRAINT rules_parameters_domain CHECK (
        ((parameters->>'max_quantity')::numeric = round((parameters->>'max_quantity')::numeric, 6)
            AND (parameters->>'max_quantity')::numeric < 1e14)
        AND ((parameters->>'max_notional')::numeric = round((parameters->>'max_notional')::numeric, 8)
            AND (parameters->>'max_notional')::numeric < 1e20)
        AND ((parameters->>'max_pct')::numeric = round((parameters->>'max_pct')::numeric, 8))
    );

-- Not constrained: rule_breaches.current_value / limit_value and the
-- compliance events' details are measurements the engine computed from
-- values inside the domain, not client values.
