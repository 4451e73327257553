import CoreMetrics
import Prometheus

/// swift-metrics' factory for a Prometheus registry, like swift-prometheus's
/// own `PrometheusMetricsFactory` but giving each family its `# HELP` line:
/// that factory registers every metric with an empty help text (and the
/// registry refuses a second text for a name it knows), so the help has to
/// be given when the family is first made, here.
struct DescribedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    /// Bucket bounds of duration histograms (timers), by metric name.
    let durationBuckets: [String: [Duration]]
    /// Bucket bounds of value histograms (aggregating recorders), by metric name.
    let valueBuckets: [String: [Double]]
    /// Each family's `# HELP` text, by metric name.
    let help: [String: String]
    /// Does the unregistering, which needs no help text.
    private let plain: PrometheusMetricsFactory

    init(
        registry: PrometheusCollectorRegistry, durationBuckets: [String: [Duration]], valueBuckets: [String: [Double]],
        help: [String: String]
    ) {
        self.registry = registry
        self.durationBuckets = durationBuckets
        self.valueBuckets = valueBuckets
        self.help = help
        plain = PrometheusMetricsFactory(registry: registry)
    }

    /// The family's full name (the label as it is: no unit is appended) and its help.
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: dimensions,
            buckets: valueBuckets[label] ?? plain.defaultValueHistogramBuckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: descriptor(label), labels: dimensions,
            buckets: durationBuckets[label] ?? plain.defaultDurationHistogramBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
