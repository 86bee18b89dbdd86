import Foundation
import OMSCore
import OMSStore
import OMSTesting
import Testing

@Suite("Key status: revocation and disabled principals reach live sessions")
struct KeyStatusCacheTests {
    @Test("many calls with one key read its status once per maximum age, and a revocation is seen after that age")
    func readsOncePerAge() async throws {
        try await TestDatabase.with { db in
            let credential = try await db.keys.credential(apiKey: db.keys.createKey(principalId: "pm", actor: admin).apiKey)
            let cache = KeyStatusCache(keys: db.keys, maximumAge: .milliseconds(500))
            let clock = ContinuousClock(), start = clock.now
            // 400 concurrent calls within one age: one read (they wait for it instead of starting their own).
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<400 { group.addTask { try await cache.isValid(credential) } }
                for try await valid in group { #expect(valid) }
            }
            if clock.now - start < .milliseconds(450) { #expect(cache.reads == 1) }
            try await db.keys.revoke(keyId: credential.keyId, actor: admin)
            // The one read started before the revocation; once it is older than the maximum age, the next call reads again.
            try await Task.sleep(for: .milliseconds(510))
            #expect(try await cache.isValid(credential) == false)
            #expect(cache.reads == 2)
        }
    }

    @Test("a disabled principal's keys neither authenticate nor stay valid; enabling restores them")
    func disabledPrincipal() async throws {
        try await TestDatabase.with { db in
            let issued = try await db.keys.createKey(principalId: "trader", actor: admin)
            let credential = try await db.keys.credential(apiKey: issued.apiKey)
            #expect(credential.keyId == issued.keyId)
            let status = try await db.keys.setDisabled(true, principalId: "trader", actor: admin)
            #expect(status.disabledAt != nil)
            #expect(try await db.keys.isValid(keyId: issued.keyId, tenantId: "t1") == false)
            let refused = await #expect(throws: OMSError.self) { try await db.keys.authenticate(apiKey: issued.apiKey) }
            #expect(refused?.code == .unauthenticated)
            #expect(try await db.keys.setDisabled(false, principalId: "trader", actor: admin).disabledAt == nil)
            #expect(try await db.keys.authenticate(apiKey: issued.apiKey).principalId == "trader")
        }
    }
}
