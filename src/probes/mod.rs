//! Async readers, one file per source. Each runs as a task with its own interval, timeout and
//! backoff, and sends `Msg::Sample` down the one channel.
