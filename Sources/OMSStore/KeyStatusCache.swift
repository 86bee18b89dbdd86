import Synchronization

/// Whether the API keys of this sidecar's live sessions still grant their
/// rights, re-read from the database when the last read is older than
/// `maximumAge`.
///
/// A revocation or a disabled principal may be committed on any sidecar, so
/// each sidecar asks the database; asking on every call would add a query to
/// every call, so the answer is shared by every call with the same key for
/// `maximumAge` (one query per key per `maximumAge` per sidecar). A read that
/// starts after the revocation commits sees it, so a session's calls are
/// refused from `maximumAge` after the revocation at most. Calls that find
/// the read in flight wait for it rather than starting another.
public final class KeyStatusCache: Sendable {
    /// Where key statuses are read from.
    public let keys: KeyStore
    /// How long one read answers for a key; 500 ms keeps revocation within a second.
    public let maximumAge: Duration

    private struct Entry {
        let started: ContinuousClock.Instant
        let read: Task<Bool, any Error>
    }

    private struct Key: Hashable {
        let tenantId: String
        let keyId: String
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let readCount = Mutex(0)
    /// Entries kept before stale ones are dropped (one per key in use on this sidecar).
    private let pruneAbove = 4_096

    /// A cache over `keys` whose reads answer for `maximumAge`.
    public init(keys: KeyStore, maximumAge: Duration = .milliseconds(500)) {
        self.keys = keys
        self.maximumAge = maximumAge
    }

    /// Whether `credential`'s key is still valid (not revoked, principal not disabled).
    public func isValid(_ credential: Credential) async throws -> Bool {
        let key = Key(tenantId: credential.principal.tenantId, keyId: credential.keyId)
        let now = ContinuousClock.now
        let entry = entries.withLock { entries in
            if let entry = entries[key], now - entry.started < maximumAge { return entry }
            if entries.count >= pruneAbove { entries = entries.filter { now - $0.value.started < maximumAge } }
            let keys = self.keys
            let fresh = Entry(started: now, read: Task { try await keys.isValid(keyId: key.keyId, tenantId: key.tenantId) })
            entries[key] = fresh
            readCount.withLock { $0 += 1 }
            return fresh
        }
        do {
            return try await entry.read.value
        } catch {
            // A failed read is not an answer: the next call reads again.
            entries.withLock { if $0[key]?.started == entry.started { $0[key] = nil } }
            throw error
        }
    }

    /// Records that `credential` authenticated on a read started at `readAt`,
    /// which is as recent a status as any: a session that authenticates again
    /// after its principal was enabled is not refused on an older read.
    public func authenticated(_ credential: Credential, readAt: ContinuousClock.Instant) {
        let key = Key(tenantId: credential.principal.tenantId, keyId: credential.keyId)
        entries.withLock { entries in
            if let entry = entries[key], entry.started >= readAt { return }
            entries[key] = Entry(started: readAt, read: Task { true })
        }
    }

    /// How many reads of the database were started: at most one per key per
    /// `maximumAge`, however many calls (tests and metrics check the rate).
    public var reads: Int { readCount.withLock { $0 } }
}
