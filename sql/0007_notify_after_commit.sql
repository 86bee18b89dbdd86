-- The NOTIFY wake-up moves out of the writing transaction. Measured with
-- pgbench (8 clients, 64 orders, the naive fill transaction, SERIALIZABLE):
-- with the statement trigger of 0006 sending pg_notify, 260 transactions/s
-- and 26% failing after 10 tries (commits queue on the notification lock, so
-- more transactions overlap and abort each other); without it, 1,603/s and
-- none failing. A sidecar now sends one coalesced NOTIFY on its own
-- connection after commits that appended events (docs/compliance.md).
DROP TRIGGER order_events_notify ON order_events;
DROP TRIGGER compliance_events_notify ON compliance_events;
DROP FUNCTION notify_events();
