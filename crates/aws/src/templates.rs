//! Pinpoint templates: SDK <-> model mappings and calls.
