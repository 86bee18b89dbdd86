import CoreMetrics

/// What the store reports about its work: transaction retries by SQLSTATE,
/// the connection pool's use, and the event hub's LISTEN connection and
/// deliveries. Made from a swift-metrics factory given by the caller (the
/// server passes its Prometheus registry's), so several servers in one
/// process (the tests) keep separate numbers; the default reports nowhere.
public struct StoreMetrics: Sendable {
    /// The factory the metrics were made from, so other parts can report into the same registry.
    public let factory: any MetricsFactory
    /// Connections leased from the pool right now, and the pool's size.
    let poolInUse: Meter
    let poolWaiting: Meter
    let poolSize: Meter
    let listenReconnects: Counter
    let listenConnected: Meter
    let subscriptions: Meter
    let eventsDelivered: Counter
    let eventsDropped: Counter

    /// Metrics reported through `factory`; the default discards them.
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance, poolSize: Int = 0) {
        self.factory = factory
        poolInUse = Meter(label: "oms_db_pool_connections_in_use", factory: factory)
        poolWaiting = Meter(label: "oms_db_pool_waiting_requests", factory: factory)
        self.poolSize = Meter(label: "oms_db_pool_connections_max", factory: factory)
        listenReconnects = Counter(label: "oms_listen_reconnects_total", factory: factory)
        listenConnected = Meter(label: "oms_listen_connected", factory: factory)
        subscriptions = Meter(label: "oms_subscriptions", factory: factory)
        eventsDelivered = Counter(label: "oms_events_delivered_total", factory: factory)
        eventsDropped = Counter(label: "oms_events_dropped_total", factory: factory)
        self.poolSize.set(poolSize)
        listenConnected.set(0)
    }

    /// Counts one retried transaction under its SQLSTATE (`40001`, `40P01`,
    /// or `none` for a retry the store asked for itself).
    func retried(sqlState: String?) {
        // The factory hands back the same counter for the same labels.
        Counter(label: "oms_transaction_retries_total", dimensions: [("sqlstate", sqlState ?? "none")],
                factory: factory).increment()
    }

    /// Runs `body` counted as waiting for a pooled connection until `leased`
    /// is called, then as holding one.
    func leasing<T>(_ body: (_ leased: () -> Void) async throws -> T) async rethrows -> T {
        poolWaiting.increment()
        var waiting = true
        defer {
            if waiting { poolWaiting.decrement() } else { poolInUse.decrement() }
        }
        return try await body {
            guard waiting else { return }
            waiting = false
            poolWaiting.decrement()
            poolInUse.increment()
        }
    }
}
