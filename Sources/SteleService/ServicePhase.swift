package import Journal

/// Where the service is in its life: the journal it serves, if any yet.
package enum ServicePhase: Sendable {
    /// The journal is being opened and verified: only health, readiness and metrics answer.
    case recovering
    case serving(Journal)
    /// Shutdown has begun: new requests are refused, the journal still answers what is in flight.
    case draining(Journal?)
}
