//! The fault knob: a share of requests that fail and extra latency, set at runtime.

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub error_rate: f64,
    pub extra_latency_ms: u64,
}

/// A partial update: fields left out keep their value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    pub error_rate: Option<f64>,
    pub extra_latency_ms: Option<u64>,
}

pub const MAX_LATENCY_MS: u64 = 60_000;

impl Fault {
    pub fn apply(self, patch: &[u8]) -> Result<Fault, String> {
        let patch: FaultPatch = serde_json::from_slice(patch).map_err(|e| {
            format!(
                "expected {{\"error_rate\": 0..1, \"extra_latency_ms\": 0..{MAX_LATENCY_MS}}}: {e}"
            )
        })?;
        let mut next = self;
        if let Some(rate) = patch.error_rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("error_rate must be within 0..1, got {rate}"));
            }
            next.error_rate = rate;
        }
        if let Some(ms) = patch.extra_latency_ms {
            if ms > MAX_LATENCY_MS {
                return Err(format!(
                    "extra_latency_ms must be at most {MAX_LATENCY_MS}, got {ms}"
                ));
            }
            next.extra_latency_ms = ms;
        }
        Ok(next)
    }

    pub fn delay(&self) -> Option<Duration> {
        (self.extra_latency_ms > 0).then(|| Duration::from_millis(self.extra_latency_ms))
    }

    /// `roll` is uniform in [0, 1).
    pub fn fails(&self, roll: f64) -> bool {
        roll < self.error_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_keeps_unset_fields() {
        let f = Fault::default().apply(br#"{"error_rate":0.3}"#).unwrap();
        let f = f.apply(br#"{"extra_latency_ms":200}"#).unwrap();
        assert_eq!(
            f,
            Fault {
                error_rate: 0.3,
                extra_latency_ms: 200
            }
        );
    }

    #[test]
    fn refuses_out_of_range_and_unknown() {
        assert!(Fault::default().apply(br#"{"error_rate":1.5}"#).is_err());
        assert!(Fault::default().apply(br#"{"error_rate":-0.1}"#).is_err());
        assert!(Fault::default()
            .apply(br#"{"extra_latency_ms":600000}"#)
            .is_err());
        assert!(Fault::default().apply(br#"{"errors":1}"#).is_err());
    }

    #[test]
    fn rate_one_always_fails_zero_never() {
        let all = Fault {
            error_rate: 1.0,
            extra_latency_ms: 0,
        };
        assert!(all.fails(0.999));
        assert!(!Fault::default().fails(0.0));
    }
}
