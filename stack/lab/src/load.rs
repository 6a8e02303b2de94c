//! Load generation: pacing and the summary, kept apart from the HTTP loop for testing.

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// When request number `k` is due, for a global rate in requests per second.
pub fn due_after(k: u64, rate: f64) -> Duration {
    Duration::from_secs_f64(k as f64 / rate)
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    pub seconds: f64,
    pub rps: f64,
    pub by_version: BTreeMap<String, u64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Default)]
pub struct Tally {
    pub latencies_us: Vec<u64>,
    pub ok: u64,
    pub errors: u64,
    pub by_version: BTreeMap<String, u64>,
}

impl Tally {
    pub fn record(&mut self, ok: bool, version: Option<&str>, latency: Duration) {
        self.latencies_us.push(latency.as_micros() as u64);
        if ok {
            self.ok += 1;
        } else {
            self.errors += 1;
        }
        if let Some(v) = version {
            *self.by_version.entry(v.to_string()).or_default() += 1;
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.latencies_us.extend(other.latencies_us);
        self.ok += other.ok;
        self.errors += other.errors;
        for (k, v) in other.by_version {
            *self.by_version.entry(k).or_default() += v;
        }
    }

    pub fn summary(mut self, elapsed: Duration) -> Summary {
        self.latencies_us.sort_unstable();
        let sent = self.ok + self.errors;
        let secs = elapsed.as_secs_f64();
        Summary {
            sent,
            ok: self.ok,
            errors: self.errors,
            seconds: (secs * 100.0).round() / 100.0,
            rps: if secs > 0.0 {
                (sent as f64 / secs * 10.0).round() / 10.0
            } else {
                0.0
            },
            p50_ms: percentile(&self.latencies_us, 0.50) as f64 / 1000.0,
            p99_ms: percentile(&self.latencies_us, 0.99) as f64 / 1000.0,
            by_version: self.by_version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[7], 0.99), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }

    #[test]
    fn pacing_spreads_requests_evenly() {
        assert_eq!(due_after(0, 10.0), Duration::ZERO);
        assert_eq!(due_after(5, 10.0), Duration::from_millis(500));
    }

    #[test]
    fn summary_counts_and_merges() {
        let mut a = Tally::default();
        a.record(true, Some("v1"), Duration::from_millis(2));
        let mut b = Tally::default();
        b.record(false, Some("v2"), Duration::from_millis(4));
        b.record(true, Some("v2"), Duration::from_millis(6));
        a.merge(b);
        let s = a.summary(Duration::from_secs(1));
        assert_eq!((s.sent, s.ok, s.errors), (3, 2, 1));
        assert_eq!(s.by_version["v2"], 2);
        assert_eq!(s.p50_ms, 4.0);
        assert_eq!(s.rps, 3.0);
    }
}
