//! One Config for the whole program: built-in defaults (documented in `assets/config.toml`, and
//! a test keeps the two equal), then the user's file
//! (`--config`, else `$XDG_CONFIG_HOME/driftdock/config.toml`), then the environment.
//! Validated once at start; a bad file is reported as `file:line:column: what was expected`.
//! Passwords in URLs are redacted in Debug and Display, so nothing can print them by accident.

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../../assets/config.toml");

mod backup;
mod canary;
mod chaos;
mod secret;
pub use backup::Backup;
pub use canary::{Canary, Guard, Load, PlanFile, PlanStep};
pub use chaos::Chaos;
pub use secret::{redact_str, SecretUrl};

fn url_field<'de, D: Deserializer<'de>>(d: D, schemes: &[&str]) -> Result<SecretUrl, D::Error> {
    let text = String::deserialize(d)?;
    SecretUrl::parse(&text, schemes).map_err(serde::de::Error::custom)
}

fn http_url<'de, D: Deserializer<'de>>(d: D) -> Result<SecretUrl, D::Error> {
    url_field(d, &["http", "https"])
}
fn redis_url<'de, D: Deserializer<'de>>(d: D) -> Result<SecretUrl, D::Error> {
    url_field(d, &["redis", "rediss"])
}
fn postgres_url<'de, D: Deserializer<'de>>(d: D) -> Result<SecretUrl, D::Error> {
    url_field(d, &["postgres", "postgresql"])
}

fn project_name<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let name = String::deserialize(d)?;
    validate_project(&name).map_err(serde::de::Error::custom)?;
    Ok(name)
}

fn validate_project(name: &str) -> std::result::Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a compose project name (lowercase letters, digits, - and _), got `{name}`"
        ))
    }
}

fn ratio<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a ratio from 0 to 1, got {v}"
        )))
    }
}

fn interval<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = humantime_serde::deserialize::<Duration, D>(d)?;
    if v < Duration::from_millis(100) || v > Duration::from_secs(3600) {
        return Err(serde::de::Error::custom(format!(
            "expected a duration from 100ms to 1h, got {}",
            humantime::format_duration(v)
        )));
    }
    Ok(v)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lab {
    pub name: String,
    #[serde(deserialize_with = "project_name")]
    pub project: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Endpoints {
    #[serde(deserialize_with = "http_url")]
    pub gateway: SecretUrl,
    #[serde(deserialize_with = "http_url")]
    pub prometheus: SecretUrl,
    #[serde(deserialize_with = "redis_url")]
    pub redis: SecretUrl,
    #[serde(deserialize_with = "postgres_url")]
    pub postgres: SecretUrl,
    /// Empty: the local socket or DOCKER_HOST.
    pub docker: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Intervals {
    #[serde(deserialize_with = "interval")]
    pub docker_stats: Duration,
    #[serde(deserialize_with = "interval")]
    pub redis: Duration,
    #[serde(deserialize_with = "interval")]
    pub postgres: Duration,
    #[serde(deserialize_with = "interval")]
    pub prometheus: Duration,
    #[serde(deserialize_with = "interval")]
    pub gateway: Duration,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    #[serde(deserialize_with = "interval")]
    pub probe: Duration,
    #[serde(deserialize_with = "interval")]
    pub max_backoff: Duration,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    #[serde(deserialize_with = "ratio")]
    pub error_ratio: f64,
    pub p95_ms: f64,
    pub queue_depth: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub lab: Lab,
    pub endpoints: Endpoints,
    pub intervals: Intervals,
    pub timeouts: Timeouts,
    pub thresholds: Thresholds,
    pub canary: Canary,
    pub load: Load,
    pub chaos: Chaos,
    pub backup: Backup,
    pub ui: Ui,
}

/// How the control room looks.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    pub palette: PaletteName,
}

/// `default`, or `colorblind` (also `cb`): Okabe–Ito's colours, blue and orange for good and bad.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaletteName {
    #[default]
    Default,
    #[serde(alias = "cb")]
    Colorblind,
}

/// Where the user's file is looked for when `--config` is not given.
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("driftdock").join("config.toml"))
}

impl Default for Lab {
    fn default() -> Self {
        Lab {
            name: "DriftDock lab".into(),
            project: "driftdock".into(),
        }
    }
}

fn default_url(text: &str, schemes: &[&str]) -> SecretUrl {
    SecretUrl::parse(text, schemes).expect("built-in default URL")
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints {
            gateway: default_url("http://127.0.0.1:8080", &["http"]),
            prometheus: default_url("http://127.0.0.1:9090", &["http"]),
            redis: default_url("redis://127.0.0.1:6379", &["redis"]),
            postgres: default_url(
                "postgres://driftdock:driftdock-lab@127.0.0.1:5432/driftdock",
                &["postgres"],
            ),
            docker: String::new(),
        }
    }
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            docker_stats: Duration::from_secs(2),
            redis: Duration::from_secs(1),
            postgres: Duration::from_secs(2),
            prometheus: Duration::from_secs(5),
            gateway: Duration::from_secs(2),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            probe: Duration::from_secs(3),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            error_ratio: 0.01,
            p95_ms: 500.0,
            queue_depth: 100,
        }
    }
}

/// Turns a TOML error into `file:line:column: message`, with any password redacted.
fn located(e: toml::de::Error, text: &str, origin: &str) -> anyhow::Error {
    let msg = redact_str(e.message());
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            anyhow::anyhow!("{origin}:{line}:{col}: {msg}")
        }
        None => anyhow::anyhow!("{origin}: {msg}"),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Config {
    /// The built-in defaults, the user's file (if any), then the environment; validated.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let user = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => user_config_path().filter(|p| p.is_file()),
        };
        let mut config = match &user {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                Config::from_toml(&text, &path.display().to_string())?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    /// Parses a config file's text; keys it leaves out keep their defaults.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config> {
        toml::from_str(text).map_err(|e| located(e, text, origin))
    }

    /// The probes' intervals, in `Source::ALL` order (docker, redis, postgres, prometheus,
    /// gateway).
    pub fn source_intervals(&self) -> [Duration; 5] {
        let i = &self.intervals;
        [i.docker_stats, i.redis, i.postgres, i.prometheus, i.gateway]
    }

    /// Environment overrides; a bad value names its variable.
    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<()> {
        let url = |name: &str, schemes: &[&str]| -> Result<Option<SecretUrl>> {
            match var(name) {
                Some(v) => SecretUrl::parse(&v, schemes)
                    .map(Some)
                    .map_err(|e| anyhow::anyhow!("{name}: {e}")),
                None => Ok(None),
            }
        };
        if let Some(p) = var("DRIFTDOCK_PROJECT") {
            validate_project(&p).map_err(|e| anyhow::anyhow!("DRIFTDOCK_PROJECT: {e}"))?;
            self.lab.project = p;
        }
        let e = &mut self.endpoints;
        if let Some(u) = url("DRIFTDOCK_GATEWAY_URL", &["http", "https"])? {
            e.gateway = u;
        }
        if let Some(u) = url("DRIFTDOCK_PROMETHEUS_URL", &["http", "https"])? {
            e.prometheus = u;
        }
        if let Some(u) = url("DRIFTDOCK_REDIS_URL", &["redis", "rediss"])? {
            e.redis = u;
        }
        if let Some(u) = url("DRIFTDOCK_DATABASE_URL", &["postgres", "postgresql"])? {
            e.postgres = u;
        }
        if let Some(d) = var("DRIFTDOCK_DOCKER_HOST") {
            e.docker = d;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
