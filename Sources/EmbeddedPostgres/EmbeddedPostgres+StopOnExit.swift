import Foundation
import Synchronization

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
final class StartedClusters: Sendable {
    static let shared = StartedClusters()

    private let clusters = Mutex<[String: EmbeddedPostgres]>([:])
    private let exitHandlerInstalled = Atomic<Bool>(false)

    func insert(_ cluster: EmbeddedPostgres) {
        clusters.withLock { $0[cluster.dataDirectory] = cluster }
    }

    func remove(dataDirectory: String) {
        _ = clusters.withLock { $0.removeValue(forKey: dataDirectory) }
    }

    func all() -> [EmbeddedPostgres] {
        clusters.withLock { Array($0.values) }
    }

    func installExitHandler() {
        let install = !exitHandlerInstalled.exchange(true, ordering: .acquiringAndReleasing)
        if install {
            atexit { EmbeddedPostgres.stopStartedClusters() }
        }
    }
}
