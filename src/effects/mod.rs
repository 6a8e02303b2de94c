//! Async side effects: each takes a Command, does the work, and reports back as `Msg::Effect`.
