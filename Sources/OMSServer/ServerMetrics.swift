import CoreMetrics
import OMSProtocol
import OMSStore

/// What the JSON-RPC front reports: requests and errors per method and
/// code, latency per method, requests in flight and open connections. Made
/// from a swift-metrics factory (the server's Prometheus registry); the
/// default reports nowhere, so tests and tools that build a `Dispatcher`
/// need not care.
public struct ServerMetrics: Sendable {
    /// The factory the metrics were made from, so the store can report into the same registry.
    public let factory: any MetricsFactory
    let inFlight: Meter
    let connections: Meter
    /// Methods outside the catalogue are counted as one label, so a client
    /// sending made-up names cannot grow the label set without bound.
    private let methods: Set<String>

    /// Metrics made from `factory`, labelled by the methods of `catalogue`.
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance, catalogue: Catalogue = .standard) {
        self.factory = factory
        self.methods = Set(catalogue.methods.keys)
        inFlight = Meter(label: "oms_requests_in_flight", factory: factory)
        connections = Meter(label: "oms_connections", factory: factory)
        inFlight.set(0)
        connections.set(0)
    }

    /// The method label of a request.
    func label(_ method: String) -> String {
        methods.contains(method) ? method : "unknown"
    }

    /// Counts one answered request and its latency. `error` nil is success.
    func record(method: String, error: RPCError?, duration: Duration) {
        let method = label(method)
        let code = error.map(Self.codeName) ?? "OK"
        Counter(label: "oms_requests_total", dimensions: [("method", method), ("code", code)], factory: factory)
            .increment()
        if error != nil {
            Counter(label: "oms_request_errors_total", dimensions: [("method", method), ("code", code)],
                    factory: factory).increment()
        }
        let (seconds, attoseconds) = duration.components
        Timer(label: "oms_request_duration_seconds", dimensions: [("method", method)], factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The stable name of an error: a domain error's `data.code`
    /// (`ORDER_NOT_FOUND`, …), otherwise the JSON-RPC standard's name.
    static func codeName(_ error: RPCError) -> String {
        if let name = error.data?["code"]?.stringValue { return name }
        switch error.code {
        case -32700: return "PARSE_ERROR"
        case -32600: return "INVALID_REQUEST"
        case -32601: return "METHOD_NOT_FOUND"
        case -32602: return "INVALID_PARAMS"
        case -32603: return "INTERNAL_ERROR"
        default: return String(error.code)
        }
    }
}

extension ServerMetrics {
    /// Request latency buckets from 250 µs: the Prometheus factory's defaults
    /// start at 5 ms, which would put most commands in the first bucket
    /// (docs/architecture.md, "Metrics").
    public static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    ]
}
