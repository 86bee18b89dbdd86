-- Idempotency keys that mean one request, and principals that can be disabled.
--
-- An idempotency key remembers the SHA-256 digest of the request it was
-- first used for (its method and its params without idempotency_key, keys
-- sorted, compact JSON, numbers as written): a reuse with another request is
-- IDEMPOTENCY_KEY_REUSED instead of silently answering the first call's
-- result. Rows stored before this migration have no digest and match on the
-- method only, as they did.
ALTER TABLE idempotency_keys
    ADD COLUMN request_digest bytea CHECK (request_digest IS NULL OR length(request_digest) = 32);
COMMENT ON COLUMN idempotency_keys.request_digest IS
    'SHA-256 of the method and canonical params of the first request; NULL for keys stored before 0012 (match on method only).';

-- Disabling a principal keeps its row (orders, events and keys name it) and
-- stops its keys: they no longer authenticate, and sessions that
-- authenticated with them lose their rights within a second (docs/api.md).
ALTER TABLE principals ADD COLUMN disabled_at timestamptz;
COMMENT ON COLUMN principals.disabled_at IS
    'When an Admin disabled the principal; its API keys stop authenticating and its live sessions end. NULL means enabled.';
