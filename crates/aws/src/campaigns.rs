//! Pinpoint campaigns: SDK <-> model mappings and calls.
