import CSystemCalls
import Glibc

/// Starts the server's own threads (accepting, watching departures): a
/// pthread named as `top -H` and perf show it, running `body`, to be joined.
enum ServerThread {
    /// The new thread, or nil when the system refuses one.
    static func start(named name: String, _ body: @escaping () -> Void) -> pthread_t? {
        let box = Unmanaged.passRetained(Start(name: name, body: body))
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { context in
            let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
            _ = stele_set_thread_name(start.name)
            start.body()
            return nil
        }, box.toOpaque())
        guard created == 0 else {
            box.release()
            return nil
        }
        return handle
    }

    /// Wakes `thread` through its eventfd `wakeup` (its loop returns when that
    /// is readable) and waits for it to end.
    static func stop(_ thread: pthread_t?, wakingWith wakeup: Int32) {
        var one: UInt64 = 1
        _ = write(wakeup, &one, MemoryLayout<UInt64>.size)
        if let thread { pthread_join(thread, nil) }
    }

    private final class Start {
        let name: String
        let body: () -> Void

        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }
}
