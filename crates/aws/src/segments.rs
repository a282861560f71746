//! Pinpoint segments: SDK <-> model mappings and calls.
