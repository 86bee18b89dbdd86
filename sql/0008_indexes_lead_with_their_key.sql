-- Secondary indexes lead with the column they find rows by, not tenant_id.
--
-- Under SERIALIZABLE, PostgreSQL predicate-locks what a statement reads. An
-- index that starts with tenant_id offers the planner a scan of "every row of
-- the tenant" for any statement that names the tenant, and while a table's
-- statistics are stale (a fresh database, or a new tenant in a big table that
-- autoanalyze has not looked at again) that scan is estimated at one row, as
-- cheap as the unique key. Seen with auto_explain in the fills benchmark on a
-- fresh database: the fill's exec_id check (fills by (tenant_id, exec_id))
-- ran as a scan of fills_by_order on tenant_id with exec_id as a filter, in a
-- third of the fills, reading and predicate-locking every fill of the tenant;
-- 2.8 rolled-back transactions per fill. Order reads took orders_by_instrument
-- the same way. With the tenant last, these indexes can no longer serve a
-- tenant-only condition; each still serves its own lookup, which always
-- names the tenant too. orders_by_created keeps tenant_id first: it is the
-- index of an unfiltered list. Primary keys, unique constraints and foreign
-- keys still start with tenant_id.
DROP INDEX fills_by_order;
CREATE INDEX fills_by_order ON fills (order_id, tenant_id);
DROP INDEX placements_by_order;
CREATE INDEX placements_by_order ON placements (order_id, tenant_id);
DROP INDEX allocations_by_order;
CREATE INDEX allocations_by_order ON allocations (order_id, tenant_id);
DROP INDEX compliance_results_by_order;
CREATE INDEX compliance_results_by_order ON compliance_results (order_id, tenant_id);
DROP INDEX orders_by_portfolio;
CREATE INDEX orders_by_portfolio ON orders (portfolio_id, tenant_id, created_at DESC);
DROP INDEX orders_by_state;
CREATE INDEX orders_by_state ON orders (state, tenant_id, created_at DESC);
DROP INDEX orders_by_instrument;
CREATE INDEX orders_by_instrument ON orders (instrument_id, tenant_id, created_at DESC);
