/// A small, fast, seeded pseudo-random generator (the SplitMix64 sequence of
/// Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators").
///
/// Promises: the same seed always yields the same sequence, on every platform
/// and in every run, so a failing power-cut simulation can be replayed from
/// its seed. It is not cryptographically secure.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Starts the sequence determined by `seed`.
    package init(seed: UInt64) {
        state = seed
    }

    /// The next 64 pseudo-random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`; `bound` must be positive.
    package mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "SplitMix64.below needs a positive bound")
        return Int(next(upperBound: UInt64(bound)))
    }

    /// A fair coin.
    package mutating func coin() -> Bool {
        next() & 1 == 1
    }
}
