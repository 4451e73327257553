/// How long the journal's thread keeps looking for the next request before it
/// sleeps, once it has nothing to do.
///
/// A thread that sleeps is woken by the next submitter, and on a virtual
/// machine a wake-up across CPUs is dear: on the 2-vCPU machine the
/// benchmarks run on, a sleep-and-wake round trip between two threads took
/// 52 µs against 2 µs when the waiting side spun (`guest_halt_poll_ns` is 0
/// there, so an idle vCPU halts and must be brought back by the hypervisor).
/// A client that appends in a loop sends its next request one HTTP round trip
/// after the last fsync — well under 200 µs — so a short spin catches it.
///
/// The window adapts the way Linux's guest halt-polling does: it grows when
/// the thread slept but the next request came within the maximum (a longer
/// spin would have caught it), and shrinks when requests come further apart
/// than that (spinning only burnt the CPU). Sparse traffic thus costs almost
/// nothing, and an idle journal spins not at all.
///
/// A value type used only on the journal's thread; durations come in from the caller.
package struct IdleSpinWindow {
    /// The first window after a sleep that a spin would have spared.
    package static let growStart: Duration = .microseconds(25)

    /// The longest spin; zero turns spinning off.
    package let maximum: Duration
    /// How long the next idle period spins before sleeping.
    package private(set) var current: Duration = .zero

    package init(maximum: Duration) {
        self.maximum = max(maximum, .zero)
    }

    /// Notes an idle period that ended with a request after `idle` in all,
    /// spinning and sleeping.
    package mutating func ended(after idle: Duration) {
        guard maximum > .zero else { return }
        if idle > maximum {
            // Requests come further apart than any spin: halve the window, and
            // stop spinning once it is below the grow start.
            current = current / 2
            if current < Self.growStart { current = .zero }
        } else if idle > current {
            // Slept, yet the request came within the maximum: spin longer.
            current = current == .zero ? min(Self.growStart, maximum) : min(current * 2, maximum)
        }
    }
}
