//! A drill file's TOML, read into a `DrillSpec`. Every error names `file:line:column` and what
//! was expected there: TOML's own errors carry their spans, and the checks made here use the
//! span of the table they are about.

use super::figure::Figure;
use super::spec::*;
use crate::app::backup::Kind;
use crate::app::fault::{self, ChaosLine};
use serde::Deserialize;
use std::time::Duration;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    title: String,
    briefing: String,
    hypothesis: HypothesisText,
    #[serde(default)]
    setup: Vec<Spanned<StepText>>,
    #[serde(default)]
    method: Vec<Spanned<StepText>>,
    #[serde(default)]
    objective: Vec<Spanned<ObjectiveText>>,
    #[serde(default)]
    rollback: Vec<Spanned<StepText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HypothesisText {
    steady_within: Option<Spanned<String>>,
    recover_within: Option<Spanned<String>>,
    #[serde(default)]
    check: Vec<Spanned<CheckText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckText {
    name: Option<String>,
    figure: String,
    below: Option<f64>,
    above: Option<f64>,
    equals: Option<f64>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    at_least_start: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepText {
    kind: String,
    name: Option<String>,
    fault: Option<String>,
    service: Option<String>,
    duration: Option<String>,
    signal: Option<String>,
    delay: Option<String>,
    jitter: Option<String>,
    loss: Option<String>,
    cpu: Option<String>,
    mem: Option<String>,
    percent: Option<i64>,
    error_rate: Option<f64>,
    latency_ms: Option<i64>,
    rate: Option<toml::Value>,
    backup: Option<String>,
    mark: Option<String>,
    ago: Option<String>,
    statement: Option<String>,
    check: Option<CheckText>,
    timeout: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectiveText {
    name: String,
    check: CheckText,
    within: String,
    from: Option<String>,
    recovers: Option<bool>,
}

/// `line:column` (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// An error at a place in the file.
struct At(usize, String);

fn at<T>(span: &Spanned<T>, msg: impl Into<String>) -> At {
    At(span.span().start, msg.into())
}

/// Reads a drill file's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<DrillSpec, String> {
    let file: FileText = toml::from_str(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start);
        let (line, col) = line_col(text, start);
        format!("{origin}:{line}:{col}: {}", e.message().trim())
    })?;
    build(file).map_err(|At(offset, msg)| {
        let (line, col) = line_col(text, offset);
        format!("{origin}:{line}:{col}: {msg}")
    })
}

fn duration(text: &str, what: &str, max: Duration) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|_| format!("{what}: `{text}` is not a duration (\"15s\", \"2m\")"))?;
    if d.is_zero() || d > max {
        return Err(format!(
            "{what}: expected a duration from 1s to {}, not `{text}`",
            humantime::format_duration(max)
        ));
    }
    Ok(d)
}

const HOUR: Duration = Duration::from_secs(3600);

fn check(c: &CheckText) -> Result<Check, String> {
    let figure = Figure::parse(&c.figure)?;
    let mut cmps = Vec::new();
    let pairs = [
        (c.below, Cmp::Below as fn(f64) -> Cmp),
        (c.above, Cmp::Above),
        (c.equals, Cmp::Equals),
        (c.at_least, Cmp::AtLeast),
        (c.at_most, Cmp::AtMost),
    ];
    for (v, make) in pairs {
        if let Some(v) = v {
            if !v.is_finite() {
                return Err(format!("{}: expected a finite number", c.figure));
            }
            cmps.push(make(v));
        }
    }
    if c.at_least_start == Some(true) {
        cmps.push(Cmp::AtLeastStart);
    }
    match cmps.as_slice() {
        [cmp] => Ok(Check { figure, cmp: *cmp }),
        _ => Err(format!(
            "check on `{}`: expected exactly one of below, above, equals, at_least, at_most, \
             at_least_start = true",
            c.figure
        )),
    }
}

fn build(f: FileText) -> Result<DrillSpec, At> {
    let h = f.hypothesis;
    let within = |s: &Option<Spanned<String>>, what: &str, default: u64| match s {
        Some(s) => duration(s.get_ref(), what, HOUR).map_err(|e| at(s, e)),
        None => Ok(Duration::from_secs(default)),
    };
    let steady_within = within(&h.steady_within, "steady_within", 30)?;
    let recover_within = within(&h.recover_within, "recover_within", 60)?;
    if h.check.is_empty() {
        return Err(At(
            0,
            "expected at least one [[hypothesis.check]] (figure = \"queue.depth\", below = 100)"
                .into(),
        ));
    }
    let mut hypothesis = Vec::new();
    for c in &h.check {
        let chk = check(c.get_ref()).map_err(|e| at(c, e))?;
        let name = c.get_ref().name.clone().unwrap_or_else(|| chk.describe());
        hypothesis.push(NamedCheck { name, check: chk });
    }
    if f.method.is_empty() {
        return Err(At(0, "expected at least one [[method]] step".into()));
    }
    let mut method: Vec<Step> = Vec::new();
    let mut marks: Vec<String> = Vec::new();
    let setup = f.setup.len();
    for (i, s) in f.setup.iter().chain(&f.method).enumerate() {
        let (part, n) = if i < setup {
            ("setup", i + 1)
        } else {
            ("method", i + 1 - setup)
        };
        let action =
            action(s.get_ref(), &marks).map_err(|e| at(s, format!("{part} step {n}: {e}")))?;
        if i < setup && action.is_fault() {
            return Err(at(
                s,
                format!("setup step {n}: a fault belongs in the [[method]], not the setup"),
            ));
        }
        if let Action::Mark(m) = &action {
            marks.push(m.clone());
        }
        let name = s
            .get_ref()
            .name
            .clone()
            .unwrap_or_else(|| action.describe());
        method.push(Step { name, action });
    }
    let mut rollbacks = Vec::new();
    for (i, s) in f.rollback.iter().enumerate() {
        let a = action(s.get_ref(), &[]).map_err(|e| at(s, format!("rollback {}: {e}", i + 1)))?;
        if !matches!(
            a,
            Action::ChaosStopAll | Action::Canary(_) | Action::V2Fault { .. } | Action::Load(_)
        ) {
            return Err(at(s, format!("rollback {}: expected an action that is safe to repeat: chaos-stop-all, canary, v2-fault or load", i + 1)));
        }
        rollbacks.push(a);
    }
    let has_fault = method.iter().any(|s| s.action.is_fault());
    let mut objectives = Vec::new();
    for o in &f.objective {
        let t = o.get_ref();
        let err = |e: String| at(o, format!("objective `{}`: {e}", t.name));
        let chk = check(&t.check).map_err(err)?;
        let within = duration(&t.within, "within", HOUR).map_err(err)?;
        let from = match t.from.as_deref() {
            None | Some("fault") if has_fault => From::Fault,
            None | Some("fault") => return Err(err("counts from the fault, but no method step is a fault (chaos, v2-fault, sql); say from = \"start\" or a step's name".into())),
            Some("start") => From::Start,
            Some(name) => match method.iter().position(|s| s.name == name) {
                Some(i) => From::Step(i),
                None => return Err(err(format!("from = `{name}`: expected \"start\", \"fault\" or the name of a method step"))),
            },
        };
        objectives.push(Objective {
            name: t.name.clone(),
            check: chk,
            within,
            from,
            recovers: t.recovers.unwrap_or(false),
        });
    }
    Ok(DrillSpec {
        title: f.title,
        briefing: f.briefing.trim().to_string(),
        hypothesis,
        steady_within,
        recover_within,
        method,
        setup,
        objectives,
        rollbacks,
    })
}

fn need<'a>(v: &'a Option<String>, key: &str, kind: &str) -> Result<&'a str, String> {
    v.as_deref()
        .ok_or_else(|| format!("a `{kind}` step needs `{key}`"))
}

fn action(s: &StepText, marks: &[String]) -> Result<Action, String> {
    let kind = s.kind.as_str();
    Ok(match kind {
        "chaos" => {
            let fault = need(&s.fault, "fault", kind)?;
            let service = need(&s.service, "service", kind)?;
            let mut words = vec![fault, service];
            if let Some(d) = &s.delay {
                words.push(d);
            }
            for (flag, v) in [
                ("--for", &s.duration),
                ("--signal", &s.signal),
                ("--jitter", &s.jitter),
                ("--loss", &s.loss),
                ("--cpu", &s.cpu),
                ("--mem", &s.mem),
            ] {
                if let Some(v) = v {
                    words.extend([flag, v.as_str()]);
                }
            }
            if s.duration.is_none() {
                return Err("a `chaos` step needs `duration` (\"20s\")".into());
            }
            match fault::parse_line(&words, Duration::from_secs(15))? {
                ChaosLine::Fault(spec) => Action::Chaos(ChaosStep {
                    service: spec.service,
                    kind: spec.kind,
                    duration: spec.duration,
                }),
                _ => return Err(format!("fault: expected kill, pause, stop, restart, partition, latency or stress, not `{fault}`")),
            }
        }
        "chaos-stop-all" => Action::ChaosStopAll,
        "canary" => match s.percent {
            Some(p @ 0..=100) => Action::Canary(p as u8),
            _ => return Err("a `canary` step needs `percent` from 0 to 100".into()),
        },
        "v2-fault" => {
            let error_rate = s.error_rate.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&error_rate) {
                return Err(format!("error_rate: expected 0.0 to 1.0, not {error_rate}"));
            }
            let latency_ms = s.latency_ms.unwrap_or(0);
            if !(0..=60_000).contains(&latency_ms) {
                return Err(format!("latency_ms: expected 0 to 60000, not {latency_ms}"));
            }
            Action::V2Fault { error_rate, latency_ms: latency_ms as u64 }
        }
        "load" => match &s.rate {
            Some(toml::Value::String(off)) if off == "off" => Action::Load(None),
            Some(toml::Value::Integer(r @ 1..=1000)) => Action::Load(Some(*r as u32)),
            _ => return Err("a `load` step needs `rate`: requests per second (1 to 1000) or \"off\"".into()),
        },
        "backup" => match s.backup.as_deref() {
            Some("dump") => Action::Backup(Kind::Dump),
            Some("base") => Action::Backup(Kind::Base),
            _ => return Err("a `backup` step needs `backup = \"dump\"` or `\"base\"`".into()),
        },
        "restore-to" => match (&s.mark, &s.ago) {
            (Some(m), None) if marks.contains(m) => Action::RestoreTo(RestorePoint::Mark(m.clone())),
            (Some(m), None) => return Err(format!("mark `{m}` is not set by an earlier `mark` step")),
            (None, Some(a)) => Action::RestoreTo(RestorePoint::Ago(duration(a, "ago", HOUR)?)),
            _ => return Err("a `restore-to` step needs one of `mark` or `ago`".into()),
        },
        "mark" => match s.mark.as_deref().map(str::trim) {
            Some(m) if !m.is_empty() => Action::Mark(m.to_string()),
            _ => return Err("a `mark` step needs `mark = \"NAME\"`".into()),
        },
        "sql" | "bad-write" => {
            let sql = need(&s.statement, "statement", kind)?.trim().trim_end_matches(';').trim();
            if sql.is_empty() || sql.contains(';') {
                return Err("statement: expected exactly one SQL statement".into());
            }
            Action::Sql(sql.to_string())
        }
        "wait" => Action::Wait(duration(need(&s.duration, "duration", kind)?, "duration", HOUR)?),
        "await" => {
            let c = s.check.as_ref().ok_or("an `await` step needs `check = { figure = …, below = … }`")?;
            Action::Await {
                check: check(c)?,
                timeout: duration(need(&s.timeout, "timeout", kind)?, "timeout", HOUR)?,
            }
        }
        other => return Err(format!(
            "unknown kind `{other}`; expected chaos, chaos-stop-all, canary, v2-fault, load, backup, restore-to, mark, sql, wait or await"
        )),
    })
}
