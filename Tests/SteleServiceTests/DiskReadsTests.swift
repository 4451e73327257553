import Dispatch
import Synchronization
import Testing

@testable import SteleService

/// Reads that wait for the disk run on a few threads taken from one queue in
/// order: a read stuck on the device holds up no read behind it while
/// another thread is free.
@Suite struct DiskReadsTests {
    @Test func aReadStuckOnTheDevice_holdsUpNoOtherRead() {
        let reads = DiskReads(metrics: ServiceMetrics())
        let stuck = DispatchSemaphore(value: 0)
        defer { stuck.signal() }
        reads.run { stuck.wait() }
        let others = DispatchGroup()
        for _ in 0..<(3 * DiskReads.parallelReads) {
            others.enter()
            reads.run { others.leave() }
        }
        // Bounded so that a failure ends the test: the reads take microseconds.
        #expect(others.wait(timeout: .now() + .seconds(20)) == .success)
    }

    @Test func atMostParallelReadsWaitForTheDeviceAtOnce() {
        let reads = DiskReads(metrics: ServiceMetrics())
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        for _ in 0..<(DiskReads.parallelReads + 2) {
            finished.enter()
            reads.run {
                started.signal()
                release.wait()
                finished.leave()
            }
        }
        for _ in 0..<DiskReads.parallelReads { #expect(started.wait(timeout: .now() + .seconds(20)) == .success) }
        // The two beyond the bound have not started while the first ones wait.
        #expect(started.wait(timeout: .now() + .milliseconds(200)) == .timedOut)
        for _ in 0..<(DiskReads.parallelReads + 2) { release.signal() }
        #expect(finished.wait(timeout: .now() + .seconds(20)) == .success)
    }

    @Test func thousandsOfReads_eachRunOnce() {
        let reads = DiskReads(metrics: ServiceMetrics())
        let runs = Atomic<Int>(0)
        let finished = DispatchGroup()
        for _ in 0..<5_000 {
            finished.enter()
            reads.run {
                runs.add(1, ordering: .relaxed)
                finished.leave()
            }
        }
        #expect(finished.wait(timeout: .now() + .seconds(60)) == .success)
        #expect(runs.load(ordering: .relaxed) == 5_000)
    }
}
