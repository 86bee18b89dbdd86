import Foundation

/// A value guarded by a lock. (`Synchronization.Mutex` would do, but needs
/// macOS 15 and the package supports macOS 14.)
final class Locked<Value: Sendable>: @unchecked Sendable {
    // Safe: `value` is only touched while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
