#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystemCalls
import Synchronization

/// A serial executor with a thread of its own: the journal actor runs here,
/// so its blocking writes and fsyncs never occupy Swift's cooperative pool.
///
/// When the job queue runs dry the thread calls its idle handler before it
/// sleeps: that is where group commit flushes what the jobs queued, so every
/// append that arrived while the previous fsync was in flight shares the next.
/// With nothing left to do it may spin a little before it sleeps (when its
/// maximum spin is not zero), as long as that keeps catching the next job
/// (see ``IdleSpinWindow``).
package final class JournalExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: `jobs`, `stopping`, `threadRunning`, `thread` and the
    // handlers are guarded by `mutex`. The mutex and
    // condition live in allocated memory: passing a stored property inout to
    // pthread calls would hold a Swift exclusive access across the wait.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Work] = []
    private var stopping = false
    /// Whether a thread is running the queue. After ``shutdown()`` the thread
    /// ends once the queue is empty; work that comes later (an actor call on
    /// a closed journal) starts another, which answers it and ends in turn.
    private var threadRunning = true
    /// The thread running the queue now.
    private var thread = pthread_t()
    /// The thread's name as `top -H`, `perf` and `/proc/PID/task/*/comm` show
    /// it (the kernel keeps 15 bytes).
    private let name: String
    private var idleHandler: (() -> IdleOutcome)?
    /// Takes the append requests handed over with ``submit(_:)``.
    private var appendHandler: ((PendingAppend) -> Void)?
    /// A submitter wakes the thread when the queue reaches this many jobs:
    /// 1, except while the idle handler waits for several.
    private var wakeThreshold = 1
    /// Work items submitted so far (wrapping): a spinning thread watches it
    /// instead of taking the mutex.
    private let submissions = Atomic<Int>(0)
    /// How long to spin for the next job before sleeping. Only the thread uses it.
    private var spinWindow: IdleSpinWindow
    /// The CPUs this process may run on.
    private let usableCPUs: Int

    /// What the idle handler did.
    package enum IdleOutcome {
        /// Nothing to do: sleep until a job comes. `answered` clients were
        /// just answered and may send again at once (the thread spins for
        /// them when they are fewer than the CPUs, so each has one to run on).
        case idle(answered: Int)
        /// Something was done: look at the queue again.
        case worked
        /// Sleep until `jobs` jobs are queued or `duration` has passed, then call again.
        case wait(Duration, jobs: Int)
    }

    /// A Swift job, a closure handed over with ``execute(_:)``, or an append
    /// request for the append handler (the hottest path: no closure to allocate).
    private enum Work {
        case job(UnownedJob)
        case closure(() -> Void)
        case append(PendingAppend)
    }

    /// `maximumIdleSpin` bounds how long the thread spins for the next job
    /// before it sleeps; zero, or a machine with one CPU, turns spinning off.
    package init(name: String, maximumIdleSpin: Duration = .zero) {
        self.name = name
        usableCPUs = Int(stele_usable_cpus())
        spinWindow = IdleSpinWindow(maximum: usableCPUs > 1 ? maximumIdleSpin : .zero)
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        // Timed waits (group commit's gathering) run on the monotonic clock.
        var conditionAttributes = pthread_condattr_t()
        pthread_condattr_init(&conditionAttributes)
        pthread_condattr_setclock(&conditionAttributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &conditionAttributes)
        pthread_condattr_destroy(&conditionAttributes)
        startThread()
    }

    /// Starts a detached thread that runs the queue (it holds the executor
    /// until it ends).
    private func startThread() {
        let box = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var handle = pthread_t()
        let created = pthread_create(&handle, &attributes, { context in
            let executor = Unmanaged<JournalExecutor>.fromOpaque(context!).takeRetainedValue()
            executor.run()
            return nil
        }, box.toOpaque())
        pthread_attr_destroy(&attributes)
        precondition(created == 0, "cannot start the journal thread: \(created)")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Sets the work to do whenever the queue runs dry. It tells whether it
    /// did something (then the queue is checked again before sleeping) or
    /// wants to be called again after a short wait.
    package func setIdleHandler(_ handler: @escaping () -> IdleOutcome) {
        pthread_mutex_lock(mutex)
        idleHandler = handler
        pthread_mutex_unlock(mutex)
    }

    /// Sets what takes the append requests handed over with ``submit(_:)``;
    /// it runs on the executor's thread.
    func setAppendHandler(_ handler: @escaping (PendingAppend) -> Void) {
        pthread_mutex_lock(mutex)
        appendHandler = handler
        pthread_mutex_unlock(mutex)
    }

    /// Hands an append request to the append handler, after the work queued before it.
    func submit(_ append: PendingAppend) {
        submit(.append(append))
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Runs `body` on the executor's thread, after the work queued before it.
    package func execute(_ body: @escaping @Sendable () -> Void) {
        submit(.closure(body))
    }

    /// Runs `body` on the executor's thread and returns its result.
    package func perform<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            execute { continuation.resume(returning: body()) }
        }
    }

    private func submit(_ work: Work) {
        pthread_mutex_lock(mutex)
        if stopping, case .append(let append) = work {
            // The journal has closed: nothing takes appends any more.
            pthread_mutex_unlock(mutex)
            return append.fail(.closed)
        }
        jobs.append(work)
        submissions.wrappingAdd(1, ordering: .releasing)
        let wake = jobs.count == wakeThreshold
        let restart = !threadRunning
        threadRunning = true
        pthread_mutex_unlock(mutex)
        if restart {
            startThread()
        } else if wake {
            pthread_cond_signal(condition)
        }
    }

    /// Jobs waiting for the thread now (appends and actor work): tests wait on
    /// it to know that requests have queued behind a held fsync.
    package var queuedJobs: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return jobs.count
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    package func checkIsolated() {
        pthread_mutex_lock(mutex)
        let running = thread
        pthread_mutex_unlock(mutex)
        precondition(pthread_equal(pthread_self(), running) != 0, "not on the journal's thread")
    }


    /// Stops the thread once the queued jobs have run. Jobs enqueued later never run.
    package func shutdown() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    private func run() {
        pthread_mutex_lock(mutex)
        thread = pthread_self()
        pthread_mutex_unlock(mutex)
        _ = stele_set_thread_name(name)
        // Group commit's gatherings are timed waits of at most an fsync's
        // length (around 150 µs here); the default timer slack of 50 µs let
        // the kernel end them a third late.
        _ = stele_set_timer_slack(1_000)
        var batch: [Work] = []
        batch.reserveCapacity(256)
        while true {
            pthread_mutex_lock(mutex)
            if jobs.isEmpty {
                let handler = idleHandler
                pthread_mutex_unlock(mutex)
                let returning: Int
                switch handler?() ?? .idle(answered: 0) {
                case .worked: continue
                case .wait(let duration, let count):
                    waitForJobs(count, atMost: duration)
                    continue
                case .idle(let answered): returning = answered
                }
                let idleSince = ContinuousClock.now
                let spinning = returning > 0 && returning < usableCPUs
                if spinning && spinForJob(since: idleSince) {
                    spinWindow.ended(after: .now - idleSince)
                    continue
                }
                pthread_mutex_lock(mutex)
                var slept = false
                while jobs.isEmpty && !stopping {
                    slept = true
                    pthread_cond_wait(condition, mutex)
                }
                if spinning && slept && !jobs.isEmpty { spinWindow.ended(after: .now - idleSince) }
                if jobs.isEmpty && stopping {
                    idleHandler = nil
                    appendHandler = nil
                    threadRunning = false
                    pthread_mutex_unlock(mutex)
                    return
                }
            }
            swap(&batch, &jobs)
            let takeAppend = appendHandler
            pthread_mutex_unlock(mutex)
            let executor = asUnownedSerialExecutor()
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: executor)
                case .closure(let body): body()
                case .append(let append):
                    // The handler is set before any append can come, and
                    // cleared only when the journal has closed.
                    guard let takeAppend else {
                        append.fail(.closed)
                        continue
                    }
                    takeAppend(append)
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Spins until a job is submitted or the spin window since `start` is
    /// over; tells whether a job came. Every turn yields the CPU to any other
    /// thread that wants it: spinning with PAUSE alone held a CPU that the
    /// client or a polling thread placed on it needed, and HTTP immediate@1
    /// fell to 3.6k req/s in one run out of four (yielding: 6.4–7.4k, 4 of 4).
    private func spinForJob(since start: ContinuousClock.Instant) -> Bool {
        let window = spinWindow.current
        guard window > .zero else { return false }
        pthread_mutex_lock(mutex)
        let seen = submissions.load(ordering: .relaxed)
        let empty = jobs.isEmpty
        pthread_mutex_unlock(mutex)
        guard empty else { return true }
        let deadline = start + window
        while submissions.load(ordering: .acquiring) == seen {
            sched_yield()
            if ContinuousClock.now >= deadline { return false }
        }
        return true
    }

    /// Sleeps until `count` jobs are queued, the executor stops, or `duration` has passed.
    private func waitForJobs(_ count: Int, atMost duration: Duration) {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        wakeThreshold = max(1, count)
        while jobs.count < count && !stopping {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
        }
        wakeThreshold = 1
        pthread_mutex_unlock(mutex)
    }
}
