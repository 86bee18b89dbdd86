import Foundation

extension EmbeddedPostgres {
    /// Makes this process stop, when it exits normally, every cluster it
    /// started and has not stopped. Call it as often as you like; the exit
    /// handler is installed once. Clusters that were only reused are left
    /// running, because whoever started them still owns them.
    public static func stopOnExit() {
        StartedClusters.shared.installExitHandler()
    }

    /// Stops every cluster this process started and has not stopped yet,
    /// reporting failures on standard error.
    public static func stopStartedClusters() {
        for cluster in StartedClusters.shared.all() {
            do {
                try cluster.stop()
            } catch {
                FileHandle.standardError.write(Data("EmbeddedPostgres: \(error)\n".utf8))
            }
        }
    }
}

/// The clusters this process started, so they can be stopped at exit.
///
/// `@unchecked Sendable`: the mutable fields are only touched while `lock` is
/// held. `Mutex` would say so to the compiler, but needs macOS 15.
final class StartedClusters: @unchecked Sendable {
    static let shared = StartedClusters()

    private let lock = NSLock()
    private var clusters: [String: EmbeddedPostgres] = [:]
    private var exitHandlerInstalled = false

    func insert(_ cluster: EmbeddedPostgres) {
        lock.withLock { clusters[cluster.dataDirectory] = cluster }
    }

    func remove(dataDirectory: String) {
        _ = lock.withLock { clusters.removeValue(forKey: dataDirectory) }
    }

    func all() -> [EmbeddedPostgres] {
        lock.withLock { Array(clusters.values) }
    }

    func installExitHandler() {
        let install = lock.withLock {
            defer { exitHandlerInstalled = true }
            return !exitHandlerInstalled
        }
        if install {
            atexit { EmbeddedPostgres.stopStartedClusters() }
        }
    }
}
