/// Small statistics helpers for the benchmark figures.
enum Statistics {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The `fraction` quantile (0…1) of `values`, nearest rank.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// Fixed-width text for the benchmark table (Foundation's `%@` is unreliable on Linux).
enum Column {
    static func text(_ value: String, _ width: Int) -> String {
        value.count >= width ? value : value + String(repeating: " ", count: width - value.count)
    }

    static func number(_ value: Double, _ width: Int, decimals: Int = 0) -> String {
        let formatted = String(format: "%.\(decimals)f", value)
        return formatted.count >= width ? formatted : String(repeating: " ", count: width - formatted.count) + formatted
    }
}
