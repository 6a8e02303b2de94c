//! The canary's config: the step of `+`/`-`, the default plan, the guard that aborts a bad
//! release, and plan files (`driftdock canary plan run FILE`), whose errors are located like the
//! config's own.

use super::{located, ratio};
use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer};
use std::path::Path;
use std::time::Duration;

fn percent_step<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = u8::deserialize(d)?;
    if (1..=100).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a step from 1 to 100 percent, got {v}"
        )))
    }
}

fn weight<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = i64::deserialize(d)?;
    if (1..=100).contains(&v) {
        Ok(v as u8)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a weight from 1 to 100 percent on v2, got {v}"
        )))
    }
}

fn duration_within<'de, D: Deserializer<'de>>(
    d: D,
    min: Duration,
    max: Duration,
) -> Result<Duration, D::Error> {
    let v = humantime_serde::deserialize::<Duration, D>(d)?;
    if v < min || v > max {
        return Err(serde::de::Error::custom(format!(
            "expected a duration from {} to {}, got {}",
            humantime::format_duration(min),
            humantime::format_duration(max),
            humantime::format_duration(v)
        )));
    }
    Ok(v)
}

fn hold<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    duration_within(d, Duration::ZERO, Duration::from_secs(24 * 3600))
}

/// A rate window needs at least two of Prometheus' 5 s scrapes in it.
fn window<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    duration_within(d, Duration::from_secs(10), Duration::from_secs(600))
}

fn guard_interval<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    duration_within(d, Duration::from_secs(1), Duration::from_secs(60))
}

fn consecutive<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = i64::deserialize(d)?;
    if (1..=100).contains(&v) {
        Ok(v as u32)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a count of samples from 1 to 100, got {v}"
        )))
    }
}

fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a number of 0 or more, got {v}"
        )))
    }
}

fn positive_ms<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected milliseconds above 0, got {v}"
        )))
    }
}

fn load_rate<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = i64::deserialize(d)?;
    if (1..=10_000).contains(&v) {
        Ok(v as u32)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected requests per second from 1 to 10000, got {v}"
        )))
    }
}

fn steps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PlanStep>, D::Error> {
    let v = Vec::<PlanStep>::deserialize(d)?;
    if v.is_empty() {
        return Err(serde::de::Error::custom(
            "expected at least one step ({ weight = 1..100, hold = \"30s\" })",
        ));
    }
    Ok(v)
}

/// One step of a plan: send `weight` percent to v2 and hold it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    #[serde(deserialize_with = "weight")]
    pub weight: u8,
    #[serde(deserialize_with = "hold", default)]
    pub hold: Duration,
}

/// What the guard compares v2 against while a plan runs.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Guard {
    /// v2's 5xx share may not pass this.
    #[serde(deserialize_with = "ratio")]
    pub max_error_ratio: f64,
    /// v2's p95 latency may not pass this.
    #[serde(deserialize_with = "positive_ms")]
    pub max_p95_ms: f64,
    /// v2's 5xx share may not pass v1's by more than this.
    #[serde(deserialize_with = "ratio")]
    pub max_error_ratio_over_v1: f64,
    /// Breaching samples in a row that abort the plan.
    #[serde(deserialize_with = "consecutive")]
    pub consecutive: u32,
    /// The rate window of the guard's queries.
    #[serde(deserialize_with = "window")]
    pub window: Duration,
    /// How often the guard's figures are read.
    #[serde(deserialize_with = "guard_interval")]
    pub interval: Duration,
    /// Below this much v2 traffic there is nothing to judge, and a step does not advance.
    #[serde(deserialize_with = "non_negative")]
    pub min_v2_rps: f64,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            max_error_ratio: 0.05,
            max_p95_ms: 500.0,
            max_error_ratio_over_v1: 0.02,
            consecutive: 3,
            window: Duration::from_secs(30),
            interval: Duration::from_secs(5),
            min_v2_rps: 0.2,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Canary {
    #[serde(deserialize_with = "percent_step")]
    pub step: u8,
    /// The plan `p` and `driftdock canary plan run` follow when no file is given.
    #[serde(deserialize_with = "steps")]
    pub plan: Vec<PlanStep>,
    pub guard: Guard,
}

impl Default for Canary {
    fn default() -> Self {
        let step = |weight, secs| PlanStep {
            weight,
            hold: Duration::from_secs(secs),
        };
        Canary {
            step: 5,
            plan: vec![step(10, 30), step(25, 30), step(50, 60), step(75, 60)],
            guard: Guard::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Load {
    /// Requests per second the lab's load generator runs at when `L` or `load start` starts it.
    #[serde(deserialize_with = "load_rate")]
    pub rate: u32,
}

impl Default for Load {
    fn default() -> Self {
        Load { rate: 10 }
    }
}

/// A plan file: `[[step]]` tables and, optionally, a `[guard]` table whose keys replace the
/// config's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFileText {
    name: Option<String>,
    #[serde(default)]
    step: Vec<PlanStep>,
    guard: Option<toml::Table>,
}

/// A plan read from a file or the config, with the guard it runs under.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    pub name: String,
    pub steps: Vec<PlanStep>,
    pub guard: Guard,
}

impl Canary {
    /// The config's own plan.
    pub fn default_plan(&self) -> PlanFile {
        PlanFile {
            name: "config".into(),
            steps: self.plan.clone(),
            guard: self.guard.clone(),
        }
    }

    /// Reads a plan file; its `[guard]` keys override the config's guard.
    pub fn load_plan(&self, path: &Path) -> Result<PlanFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read plan file {}", path.display()))?;
        self.parse_plan(&text, &path.display().to_string())
    }

    pub fn parse_plan(&self, text: &str, origin: &str) -> Result<PlanFile> {
        let file: PlanFileText = toml::from_str(text).map_err(|e| located(e, text, origin))?;
        if file.step.is_empty() {
            anyhow::bail!(
                "{origin}: expected at least one [[step]] table (weight = 1..100, hold = \"30s\")"
            );
        }
        let guard = match file.guard {
            None => self.guard.clone(),
            Some(table) => self.guard_with(table, text, origin)?,
        };
        Ok(PlanFile {
            name: file.name.unwrap_or_else(|| origin.to_string()),
            steps: file.step,
            guard,
        })
    }

    /// The config's guard with the file's keys laid over it. The merged table is parsed again
    /// from the file's text so an error still points into the file.
    fn guard_with(&self, over: toml::Table, text: &str, origin: &str) -> Result<Guard> {
        #[derive(Deserialize)]
        struct Only {
            #[serde(rename = "guard")]
            _guard: Guard,
        }
        let base = &self.guard;
        let mut merged = toml::Table::new();
        merged.insert("max_error_ratio".into(), base.max_error_ratio.into());
        merged.insert("max_p95_ms".into(), base.max_p95_ms.into());
        merged.insert(
            "max_error_ratio_over_v1".into(),
            base.max_error_ratio_over_v1.into(),
        );
        merged.insert("consecutive".into(), i64::from(base.consecutive).into());
        let secs = |d: Duration| humantime::format_duration(d).to_string();
        merged.insert("window".into(), secs(base.window).into());
        merged.insert("interval".into(), secs(base.interval).into());
        merged.insert("min_v2_rps".into(), base.min_v2_rps.into());
        // Errors in the file's own keys: check them where they stand, with their spans.
        let located_only: std::result::Result<Only, _> = toml::from_str(text);
        if let Err(e) = located_only {
            // Missing keys are filled from the config below; anything else is the file's fault.
            if !e.message().starts_with("missing field") {
                return Err(located(e, text, origin));
            }
        }
        for (k, v) in over {
            merged.insert(k, v);
        }
        Guard::deserialize(toml::Value::Table(merged))
            .map_err(|e| anyhow::anyhow!("{origin}: [guard]: {}", e.message()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_file_reads_steps_and_lays_its_guard_over_the_config() {
        let c = Canary::default();
        let p = c
            .parse_plan(
                "name = \"fast\"\n[[step]]\nweight = 20\nhold = \"2s\"\n[[step]]\nweight = 60\nhold = \"3s\"\n[guard]\nconsecutive = 2\n",
                "fast.toml",
            )
            .unwrap();
        assert_eq!(p.name, "fast");
        assert_eq!(p.steps.len(), 2);
        assert_eq!(p.steps[1].weight, 60);
        assert_eq!(p.steps[1].hold, Duration::from_secs(3));
        assert_eq!(p.guard.consecutive, 2);
        assert_eq!(p.guard.max_p95_ms, c.guard.max_p95_ms);
    }

    #[test]
    fn a_bad_plan_file_names_line_column_and_what_was_expected() {
        let c = Canary::default();
        let err = c
            .parse_plan("[[step]]\nweight = 140\nhold = \"2s\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:2:10:"), "{err}");
        assert!(err.contains("expected a weight from 1 to 100"), "{err}");

        let err = c
            .parse_plan("[[step]]\nweight = 10\nhold = \"soon\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:3:8:"), "{err}");

        let err = c
            .parse_plan("[[step]]\nweight = 10\nwait = \"2s\"\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:3:1:"), "{err}");
        assert!(err.contains("unknown field `wait`"), "{err}");

        let err = c
            .parse_plan("[guard]\nconsecutive = 2\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least one [[step]]"), "{err}");

        let err = c
            .parse_plan(
                "[[step]]\nweight = 10\n[guard]\nconsecutive = 0\n",
                "p.toml",
            )
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:4:15:"), "{err}");
        assert!(err.contains("from 1 to 100"), "{err}");

        let err = c
            .parse_plan("[[step]\nweight = 10\n", "p.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("p.toml:1:"), "{err}");
    }
}
