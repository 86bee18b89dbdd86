package oms

import (
	"crypto/rand"
	"encoding/hex"
)

// newIdempotencyKey is 128 random bits: "go-" and 32 hex digits, an
// identifier the server accepts (visible ASCII, at most 128 characters).
func newIdempotencyKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("oms: no randomness for an idempotency key: " + err.Error())
	}
	return "go-" + hex.EncodeToString(b[:])
}
