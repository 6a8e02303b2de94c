//! One Config for the whole program: the default in `assets/config.toml`, then the user's file
//! (`--config`, else `$XDG_CONFIG_HOME/driftdock/config.toml`), then the environment.
//! Validated once at start; a bad file is reported as `file:line:column: what was expected`.
//! Passwords in URLs are redacted in Debug and Display, so nothing can print them by accident.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_TOML: &str = include_str!("../assets/config.toml");

/// A URL that may carry a password. Only `expose()` gives the real text.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(url::Url);

impl SecretUrl {
    pub fn parse(text: &str, schemes: &[&str]) -> std::result::Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| {
            format!(
                "expected a URL ({}://…), got {}: {e}",
                schemes.join("|"),
                redact_str(text)
            )
        })?;
        if !schemes.contains(&url.scheme()) {
            return Err(format!(
                "expected a {} URL, got scheme `{}`",
                schemes.join(" or "),
                url.scheme()
            ));
        }
        Ok(SecretUrl(url))
    }

    /// The URL with its password, for the one place that connects with it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    pub fn redacted(&self) -> String {
        let mut url = self.0.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        url.to_string()
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.redacted())
    }
}

/// Redacts `user:password@` in any text that may hold a URL (error messages from drivers).
pub fn redact_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let auth_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        match tail[..auth_end].rfind('@') {
            Some(at) => {
                let userinfo = &tail[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&tail[at..auth_end]);
            }
            None => out.push_str(&tail[..auth_end]),
        }
        rest = &tail[auth_end..];
    }
    out.push_str(rest);
    out
}

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

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    pub name: String,
    #[serde(deserialize_with = "project_name")]
    pub project: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    #[serde(deserialize_with = "interval")]
    pub probe: Duration,
    #[serde(deserialize_with = "interval")]
    pub max_backoff: Duration,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(deserialize_with = "ratio")]
    pub error_ratio: f64,
    pub p95_ms: f64,
    pub queue_depth: u64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    #[serde(deserialize_with = "percent_step")]
    pub step: u8,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub lab: Lab,
    pub endpoints: Endpoints,
    pub intervals: Intervals,
    pub timeouts: Timeouts,
    pub thresholds: Thresholds,
    pub canary: Canary,
}

/// Where the user's file is looked for when `--config` is not given.
pub fn user_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("driftdock").join("config.toml"))
}

/// Merges `overlay` into `base`, table by table, so a user file needs only the keys it changes.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Parses TOML text, naming the file, line and column of the first problem.
fn parse_table(text: &str, origin: &str) -> Result<toml::Table> {
    toml::from_str::<toml::Table>(text).map_err(|e| located(e, text, origin))
}

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
    /// The default, the user's file (if any) and the environment, validated.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let user = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None => user_config_path().filter(|p| p.is_file()),
        };
        let mut table = parse_table(DEFAULT_TOML, "assets/config.toml")?;
        let mut origin = "assets/config.toml".to_string();
        let mut user_text = String::new();
        if let Some(path) = &user {
            user_text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config file {}", path.display()))?;
            origin = path.display().to_string();
            let overlay = parse_table(&user_text, &origin)?;
            merge(&mut table, overlay);
        }
        apply_env(&mut table, |k| std::env::var(k).ok())?;
        Self::from_table(table, &origin, &user_text)
    }

    /// Parses one complete TOML text (the default merged with a user's, in tests).
    pub fn from_toml(text: &str, origin: &str) -> Result<Config> {
        let mut table = parse_table(DEFAULT_TOML, "assets/config.toml")?;
        merge(&mut table, parse_table(text, origin)?);
        Self::from_table(table, origin, text)
    }

    fn from_table(table: toml::Table, origin: &str, user_text: &str) -> Result<Config> {
        // Re-serialise so the spans of value errors point into the user's own text when the
        // bad value came from it.
        match Config::deserialize(toml::Value::Table(table.clone())) {
            Ok(c) => Ok(c),
            Err(e) => {
                // Value errors carry no span once merged; find the key in the user's text.
                let msg = redact_str(e.message());
                if let Some((line, col)) = locate_key(user_text, &msg) {
                    bail!("{origin}:{line}:{col}: {msg}");
                }
                bail!("{origin}: {msg}");
            }
        }
    }

    /// The probes' intervals, in `Source::ALL` order (docker, redis, postgres, prometheus,
    /// gateway).
    pub fn source_intervals(&self) -> [Duration; 5] {
        let i = &self.intervals;
        [i.docker_stats, i.redis, i.postgres, i.prometheus, i.gateway]
    }
}

/// Finds the line of the key an error message names ("… for key `endpoints.redis`").
fn locate_key(text: &str, msg: &str) -> Option<(usize, usize)> {
    let start = msg.find("key `")? + 5;
    let end = msg[start..].find('`')? + start;
    let path = &msg[start..end];
    let leaf = path.rsplit('.').next()?;
    let table = path.rsplit_once('.').map(|(t, _)| t);
    let mut in_table = table.is_none();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_table = table.is_some_and(|tb| t.trim_matches(|c| c == '[' || c == ']') == tb);
            continue;
        }
        if in_table && t.split('=').next().map(str::trim) == Some(leaf) {
            let col = line.len() - line.trim_start().len() + 1;
            return Some((i + 1, col));
        }
    }
    None
}

/// Environment overrides, applied to the merged table before validation.
fn apply_env(table: &mut toml::Table, var: impl Fn(&str) -> Option<String>) -> Result<()> {
    const VARS: &[(&str, &str, &str)] = &[
        ("DRIFTDOCK_PROJECT", "lab", "project"),
        ("DRIFTDOCK_GATEWAY_URL", "endpoints", "gateway"),
        ("DRIFTDOCK_PROMETHEUS_URL", "endpoints", "prometheus"),
        ("DRIFTDOCK_REDIS_URL", "endpoints", "redis"),
        ("DRIFTDOCK_DATABASE_URL", "endpoints", "postgres"),
        ("DRIFTDOCK_DOCKER_HOST", "endpoints", "docker"),
    ];
    for (name, section, key) in VARS {
        if let Some(value) = var(name) {
            let Some(toml::Value::Table(t)) = table.get_mut(*section) else {
                bail!("internal: no [{section}] table in the default config");
            };
            t.insert(key.to_string(), toml::Value::String(value));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_is_valid() {
        let c = Config::from_toml("", "test.toml").unwrap();
        assert_eq!(c.lab.project, "driftdock");
        assert_eq!(c.intervals.redis, Duration::from_secs(1));
    }

    #[test]
    fn passwords_never_print() {
        let c = Config::from_toml("", "test.toml").unwrap();
        let debug = format!("{c:?}");
        let shown = format!("{}", c.endpoints.postgres);
        for text in [&debug, &shown] {
            assert!(!text.contains("driftdock-lab"), "leaked: {text}");
        }
        assert!(shown.contains("driftdock:***@127.0.0.1"));
        assert!(c.endpoints.postgres.expose().contains("driftdock-lab"));
        assert_eq!(
            redact_str("error connecting to postgres://u:hunter2@db:5432/x: refused"),
            "error connecting to postgres://u:***@db:5432/x: refused"
        );
        assert_eq!(redact_str("no url here"), "no url here");
    }

    #[test]
    fn a_syntax_error_names_file_line_and_column() {
        let err = Config::from_toml("[lab]\nname = \"x\"\nproject = \n", "my.toml").unwrap_err();
        let text = format!("{err}");
        assert!(text.starts_with("my.toml:3:"), "{text}");
    }

    #[test]
    fn a_bad_value_names_its_line_and_what_was_expected() {
        let err = Config::from_toml(
            "[lab]\nname = \"x\"\n\n[endpoints]\nredis = \"http://nope\"\n",
            "my.toml",
        )
        .unwrap_err();
        let text = format!("{err}");
        assert!(text.starts_with("my.toml:5:1:"), "{text}");
        assert!(text.contains("expected a redis or rediss URL"), "{text}");

        let err = Config::from_toml("[intervals]\nredis = \"soon\"\n", "my.toml").unwrap_err();
        assert!(format!("{err}").starts_with("my.toml:2:1:"), "{err}");

        let err = Config::from_toml("[lab]\nprojekt = \"x\"\n", "my.toml").unwrap_err();
        let text = format!("{err}");
        assert!(text.contains("unknown field `projekt`"), "{text}");
    }

    #[test]
    fn a_bad_url_never_echoes_its_password() {
        let err = Config::from_toml(
            "[endpoints]\npostgres = \"mysql://u:hunter2@db/x\"\n",
            "my.toml",
        )
        .unwrap_err();
        assert!(!format!("{err:?}").contains("hunter2"));
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let mut table = parse_table(DEFAULT_TOML, "default").unwrap();
        apply_env(&mut table, |k| {
            (k == "DRIFTDOCK_REDIS_URL").then(|| "redis://10.0.0.9:6380".to_string())
        })
        .unwrap();
        let c = Config::from_table(table, "env", "").unwrap();
        assert_eq!(c.endpoints.redis.expose(), "redis://10.0.0.9:6380");
    }
}
