import Journal
import Testing

/// The journal's thread spins for a client it has just answered, so that a
/// client appending in a loop does not pay a thread wake-up per request — but
/// only while that keeps catching requests: the window grows when a spin
/// would have caught the next request and shrinks when requests come further
/// apart than the longest spin.
@Suite struct IdleSpinWindowTests {
    @Test func itStartsWithoutSpinning() {
        #expect(IdleSpinWindow(maximum: .microseconds(200)).current == .zero)
    }

    @Test func aRequestThatCameSoonAfterASleep_growsTheWindowUpToTheMaximum() {
        var window = IdleSpinWindow(maximum: .microseconds(200))
        window.ended(after: .microseconds(120))
        #expect(window.current == IdleSpinWindow.growStart)
        window.ended(after: .microseconds(120))
        #expect(window.current == .microseconds(50))
        window.ended(after: .microseconds(120))
        #expect(window.current == .microseconds(100))
        window.ended(after: .microseconds(120))
        #expect(window.current == .microseconds(200))
        window.ended(after: .microseconds(150))
        #expect(window.current == .microseconds(200))
    }

    @Test func aRequestCaughtWithinTheWindow_leavesItAsItIs() {
        var window = IdleSpinWindow(maximum: .microseconds(200))
        for _ in 0..<4 { window.ended(after: .microseconds(150)) }
        #expect(window.current == .microseconds(200))
        window.ended(after: .microseconds(30))
        #expect(window.current == .microseconds(200))
    }

    @Test func requestsFurtherApartThanTheMaximum_shrinkItToNothing() {
        var window = IdleSpinWindow(maximum: .microseconds(200))
        for _ in 0..<4 { window.ended(after: .microseconds(150)) }
        window.ended(after: .milliseconds(5))
        #expect(window.current == .microseconds(100))
        window.ended(after: .milliseconds(5))
        #expect(window.current == .microseconds(50))
        window.ended(after: .milliseconds(5))
        #expect(window.current == .microseconds(25))
        window.ended(after: .milliseconds(5))
        #expect(window.current == .zero)
        window.ended(after: .seconds(1))
        #expect(window.current == .zero)
    }

    @Test func aMaximumOfZero_neverSpins() {
        var window = IdleSpinWindow(maximum: .zero)
        for _ in 0..<8 { window.ended(after: .microseconds(10)) }
        #expect(window.current == .zero)
    }

    @Test func aMaximumBelowTheGrowStart_isTheWholeWindow() {
        var window = IdleSpinWindow(maximum: .microseconds(10))
        window.ended(after: .microseconds(5))
        #expect(window.current == .microseconds(10))
    }
}
