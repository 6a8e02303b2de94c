//! The loop every polled probe runs in: read under a timeout, stamp, send, wait; back off
//! while the source is down.

use crate::app::msg::{Msg, Reading, Sample, Source};
use crate::config::redact_str;
use chrono::Utc;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc::Sender;
use tokio::time::Instant;

/// Longest error text sent on: it has to fit on one line of a panel.
pub const MAX_ERROR_CHARS: usize = 120;

/// The wait before the next attempt after `failures` failures in a row: the interval itself
/// while healthy, then doubling, never past `max_backoff` (nor below the interval).
pub fn backoff(interval: Duration, max_backoff: Duration, failures: u32) -> Duration {
    let cap = max_backoff.max(interval);
    let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
    interval.saturating_mul(factor).min(cap)
}

/// An error as the screen shows it: password-free, its first line, at most 120 characters.
pub fn short_error(text: &str) -> String {
    let redacted = redact_str(text);
    let line = redacted
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error");
    if line.chars().count() <= MAX_ERROR_CHARS {
        line.to_string()
    } else {
        let cut: String = line.chars().take(MAX_ERROR_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// One attempt at a source, bounded by `timeout`, as the sample it becomes.
pub async fn read_once<Fut>(source: Source, timeout: Duration, read: Fut) -> Sample
where
    Fut: Future<Output = Result<Reading, String>>,
{
    let result = tokio::time::timeout(timeout, read).await;
    let at = Utc::now();
    match result {
        Ok(Ok(reading)) => Sample::ok(at, reading),
        Ok(Err(e)) => Sample::err(source, at, short_error(&e)),
        Err(_) => Sample::err(
            source,
            at,
            format!("no answer within {}", humantime::format_duration(timeout)),
        ),
    }
}

/// Reads `source` every `interval` until `tx` closes. A failed attempt is sent as an error
/// sample and the next one waits longer (×2 each time, up to `max_backoff`); the first success
/// returns to the interval. Attempts start `interval` apart whatever each one took.
pub async fn run_probe<F, Fut>(
    source: Source,
    interval: Duration,
    timeout: Duration,
    max_backoff: Duration,
    tx: Sender<Msg>,
    mut read: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Reading, String>>,
{
    let mut failures: u32 = 0;
    loop {
        let started = Instant::now();
        let sample = tokio::select! {
            s = read_once(source, timeout, read()) => s,
            _ = tx.closed() => return,
        };
        failures = if sample.result.is_ok() {
            0
        } else {
            failures + 1
        };
        if tx.send(Msg::Sample(sample)).await.is_err() {
            return;
        }
        let next = started + backoff(interval, max_backoff, failures);
        tokio::select! {
            _ = tokio::time::sleep_until(next) => {}
            _ = tx.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let s = Duration::from_secs;
        let seq: Vec<_> = (0..6).map(|f| backoff(s(1), s(10), f)).collect();
        assert_eq!(seq, vec![s(1), s(2), s(4), s(8), s(10), s(10)]);
        assert_eq!(backoff(s(1), s(10), 1000), s(10));
        // An interval longer than the cap is never shortened.
        assert_eq!(backoff(s(30), s(10), 3), s(30));
    }

    #[test]
    fn errors_are_short_single_lines_without_passwords() {
        let e = short_error("error connecting to postgres://u:hunter2@db:5432/x\nmore detail");
        assert_eq!(e, "error connecting to postgres://u:***@db:5432/x");
        let long = "x".repeat(500);
        assert_eq!(short_error(&long).chars().count(), MAX_ERROR_CHARS);
        assert_eq!(short_error("\n\n"), "unknown error");
    }

    #[tokio::test]
    async fn a_failing_source_backs_off_and_recovers() {
        let ms = Duration::from_millis;
        let (tx, mut rx) = tokio::sync::mpsc::channel(16);
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c = calls.clone();
        let task = tokio::spawn(run_probe(
            Source::Redis,
            ms(50),
            ms(100),
            ms(400),
            tx,
            move || {
                let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move {
                    match n {
                        0..=3 => Err("connection refused".to_string()),
                        // The fifth attempt hangs past the timeout.
                        4 => std::future::pending().await,
                        _ => Ok(Reading::Queue {
                            depth: n as u64,
                            processing: 0,
                        }),
                    }
                }
            },
        ));
        let mut seen = Vec::new();
        for _ in 0..7 {
            let Some(Msg::Sample(s)) = rx.recv().await else {
                panic!("expected a sample")
            };
            seen.push((std::time::Instant::now(), s.result));
        }
        drop(rx);
        task.await.unwrap();
        let ok: Vec<bool> = seen.iter().map(|(_, r)| r.is_ok()).collect();
        assert_eq!(ok, vec![false, false, false, false, false, true, true]);
        assert_eq!(seen[4].1, Err("no answer within 100ms".to_string()));
        // Attempts at 0, 100, 300, 700, 1100 (times out at 1200), 1500, 1550 ms: waits of
        // 2×, 4×, 8× the interval capped at 400 ms, then back to the interval.
        let gaps: Vec<Duration> = seen.windows(2).map(|w| w[1].0 - w[0].0).collect();
        let least = [100, 200, 400, 500, 300, 50].map(ms);
        for (gap, least) in gaps.iter().zip(least) {
            assert!(*gap >= least - ms(5), "gaps {gaps:?}");
        }
        assert!(gaps[5] < ms(300), "no reset after success: {gaps:?}");
    }
}
