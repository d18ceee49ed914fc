"""Calls from the platform to apps (SPEC-events §4): signing (:mod:`.signing`), the guarded HTTP
client (:mod:`.transport`), the circuit breaker (:mod:`.breaker`) and the one synchronous call
that puts them together and records it (:mod:`.calls`)."""
