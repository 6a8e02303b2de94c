//! Faults by name: what breaks a container, for how long, and what undoes it. The keys, the
//! `:chaos` line and `driftdock chaos` all say a fault this way. Pure: parsing and words only.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The services `chaos random` picks from: the ones whose loss the lab must ride out.
pub const CRITICAL: &[&str] = &["gateway", "api-v1", "api-v2", "worker", "redis", "postgres"];

/// Shortest and longest fault.
pub const MIN_DURATION: Duration = Duration::from_secs(1);
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FaultKind {
    /// A signal to the container's main process (SIGKILL unless told otherwise).
    Kill {
        signal: String,
    },
    Pause,
    Stop,
    Restart,
    /// Cut off the lab network.
    Partition,
    /// `tc netem` on the container's eth0.
    Latency {
        delay_ms: u64,
        jitter_ms: u64,
        loss_percent: f64,
    },
    /// `stress-ng` inside the container.
    Stress {
        cpu: u32,
        mem_mb: u64,
    },
}

/// What puts the container back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Undo {
    /// Start it again (a killed or stopped container; a restarted one is checked running).
    Start,
    Unpause,
    /// Reconnect it to the lab network with its service name as the alias.
    Reconnect,
    /// `tc qdisc del dev eth0 root`.
    NetemDel,
    /// Kill the stress-ng processes.
    StressKill,
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Kill { .. } => "kill",
            FaultKind::Pause => "pause",
            FaultKind::Stop => "stop",
            FaultKind::Restart => "restart",
            FaultKind::Partition => "partition",
            FaultKind::Latency { .. } => "latency",
            FaultKind::Stress { .. } => "stress",
        }
    }

    /// The fault in a few words: `kill (SIGKILL)`, `latency 300ms ±50ms loss 5%`…
    pub fn describe(&self) -> String {
        match self {
            FaultKind::Kill { signal } => format!("kill ({signal})"),
            FaultKind::Latency {
                delay_ms,
                jitter_ms,
                loss_percent,
            } => {
                let mut t = format!("latency {delay_ms}ms");
                if *jitter_ms > 0 {
                    t.push_str(&format!(" ±{jitter_ms}ms"));
                }
                if *loss_percent > 0.0 {
                    t.push_str(&format!(" loss {loss_percent}%"));
                }
                t
            }
            FaultKind::Stress { cpu, mem_mb } => format!("stress {cpu} cpu, {mem_mb}M"),
            other => other.name().to_string(),
        }
    }

    pub fn undo(&self) -> Undo {
        match self {
            FaultKind::Kill { .. } | FaultKind::Stop | FaultKind::Restart => Undo::Start,
            FaultKind::Pause => Undo::Unpause,
            FaultKind::Partition => Undo::Reconnect,
            FaultKind::Latency { .. } => Undo::NetemDel,
            FaultKind::Stress { .. } => Undo::StressKill,
        }
    }

    /// Whether the container must have NET_ADMIN and `tc`.
    pub fn needs_netem(&self) -> bool {
        matches!(self, FaultKind::Latency { .. })
    }

    /// `tc qdisc add dev eth0 root netem …` for a latency fault.
    pub fn netem_command(&self) -> Option<Vec<String>> {
        let FaultKind::Latency {
            delay_ms,
            jitter_ms,
            loss_percent,
        } = self
        else {
            return None;
        };
        let mut cmd: Vec<String> = ["tc", "qdisc", "add", "dev", "eth0", "root", "netem"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        cmd.extend(["delay".into(), format!("{delay_ms}ms")]);
        if *jitter_ms > 0 {
            cmd.push(format!("{jitter_ms}ms"));
        }
        if *loss_percent > 0.0 {
            cmd.extend(["loss".into(), format!("{loss_percent}%")]);
        }
        Some(cmd)
    }

    /// stress-ng for a stress fault; its own timeout ends it a little after the deadline
    /// even if nothing is left to undo it.
    pub fn stress_command(&self, duration: Duration) -> Option<Vec<String>> {
        let FaultKind::Stress { cpu, mem_mb } = self else {
            return None;
        };
        let mut cmd = vec!["stress-ng".to_string()];
        if *cpu > 0 {
            cmd.extend(["--cpu".into(), cpu.to_string()]);
        }
        if *mem_mb > 0 {
            cmd.extend([
                "--vm".into(),
                "1".into(),
                "--vm-bytes".into(),
                format!("{mem_mb}M"),
            ]);
        }
        cmd.extend(["--timeout".into(), format!("{}s", duration.as_secs() + 5)]);
        Some(cmd)
    }
}

impl Undo {
    pub fn describe(self) -> &'static str {
        match self {
            Undo::Start => "start",
            Undo::Unpause => "unpause",
            Undo::Reconnect => "reconnect to the lab network",
            Undo::NetemDel => "tc qdisc del dev eth0 root",
            Undo::StressKill => "kill stress-ng",
        }
    }
}

/// A fault asked for, before it is resolved to a container.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    pub service: String,
    pub kind: FaultKind,
    pub duration: Duration,
}

/// `15s`, `2m`, `1h`: from 1 s to 1 h.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|_| format!("`{text}` is not a duration (15s, 2m, 1h)"))?;
    if !(MIN_DURATION..=MAX_DURATION).contains(&d) {
        return Err(format!("a fault lasts from 1s to 1h, not {text}"));
    }
    Ok(d)
}

/// `300ms`, `1s`: a delay in milliseconds, up to 60 s.
pub fn parse_delay(text: &str) -> Result<u64, String> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|_| format!("`{text}` is not a delay (300ms, 1s)"))?;
    if d > Duration::from_secs(60) {
        return Err(format!("a delay of {text} is more than 60s"));
    }
    Ok(d.as_millis() as u64)
}

/// `5%` or `5`: from 0 to 100.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

/// `256M`, `1G`, `512`: megabytes, up to 64 G.
pub fn parse_mem(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_uppercase();
    let t = t.trim_end_matches('B');
    let (num, mult) = match t.strip_suffix('G') {
        Some(n) => (n, 1024),
        None => (t.strip_suffix('M').unwrap_or(t), 1),
    };
    match num.parse::<u64>() {
        Ok(n) if n * mult <= 64 * 1024 => Ok(n * mult),
        _ => Err(format!("`{text}` is not a memory size (256M, 1G)")),
    }
}

/// `TERM`, `SIGTERM`, `15` → `SIGTERM`.
pub fn parse_signal(text: &str) -> Result<String, String> {
    const BY_NUMBER: &[(&str, &str)] = &[
        ("1", "HUP"),
        ("2", "INT"),
        ("3", "QUIT"),
        ("9", "KILL"),
        ("10", "USR1"),
        ("12", "USR2"),
        ("15", "TERM"),
    ];
    const NAMES: &[&str] = &["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM"];
    let t = text.trim().to_ascii_uppercase();
    let name = BY_NUMBER
        .iter()
        .find(|(n, _)| *n == t)
        .map(|(_, name)| *name)
        .unwrap_or_else(|| t.trim_start_matches("SIG"));
    NAMES
        .iter()
        .find(|n| **n == name)
        .map(|n| format!("SIG{n}"))
        .ok_or_else(|| format!("`{text}` is not a signal ({})", NAMES.join(", ")))
}

/// One of `CRITICAL`, chosen by `seed`.
pub fn pick_critical(seed: u64) -> &'static str {
    CRITICAL[(seed % CRITICAL.len() as u64) as usize]
}

/// What a `:chaos …` line asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum ChaosLine {
    Fault(FaultSpec),
    Random(Duration),
    StopAll,
}

/// Parses the words after `chaos`: `KIND SERVICE [DELAY] [DURATION] [--signal S] [--jitter D]
/// [--loss P] [--cpu N] [--mem M] [--for D]`, `random [DURATION]`, `stop-all`.
pub fn parse_line(words: &[&str], default: Duration) -> Result<ChaosLine, String> {
    const USAGE: &str = "chaos kill|pause|stop|restart|partition|latency|stress SERVICE [15s], \
                         chaos random [15s], chaos stop-all";
    let Some((&kind, rest)) = words.split_first() else {
        return Err(format!("usage: {USAGE}"));
    };
    let mut flags: Vec<(&str, &str)> = Vec::new();
    let mut bare: Vec<&str> = Vec::new();
    let mut it = rest.iter();
    while let Some(w) = it.next() {
        if let Some(flag) = w.strip_prefix("--") {
            let v = it.next().ok_or_else(|| format!("--{flag} needs a value"))?;
            flags.push((flag, v));
        } else {
            bare.push(w);
        }
    }
    let flag = |name: &str| flags.iter().find(|(f, _)| *f == name).map(|(_, v)| *v);
    if let Some((unknown, _)) = flags
        .iter()
        .find(|(f, _)| !["for", "signal", "jitter", "loss", "cpu", "mem"].contains(f))
    {
        return Err(format!("unknown option --{unknown}"));
    }
    match kind {
        "stop-all" | "stopall" => return Ok(ChaosLine::StopAll),
        "random" => {
            let d = match (flag("for"), bare.first().copied()) {
                (Some(t), _) | (None, Some(t)) => parse_duration(t)?,
                _ => default,
            };
            return Ok(ChaosLine::Random(d));
        }
        _ => {}
    }
    let Some((&service, args)) = bare.split_first() else {
        return Err(format!("usage: {USAGE}"));
    };
    let mut args = args.to_vec();
    let fault = match kind {
        "kill" => FaultKind::Kill {
            signal: parse_signal(flag("signal").unwrap_or("KILL"))?,
        },
        "pause" => FaultKind::Pause,
        "stop" => FaultKind::Stop,
        "restart" => FaultKind::Restart,
        "partition" => FaultKind::Partition,
        "latency" => {
            if args.is_empty() {
                return Err("chaos latency SERVICE DELAY (e.g. 300ms)".into());
            }
            FaultKind::Latency {
                delay_ms: parse_delay(args.remove(0))?,
                jitter_ms: flag("jitter").map(parse_delay).transpose()?.unwrap_or(0),
                loss_percent: flag("loss").map(parse_percent).transpose()?.unwrap_or(0.0),
            }
        }
        "stress" => FaultKind::Stress {
            cpu: match flag("cpu") {
                Some(n) => n
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= 64)
                    .ok_or_else(|| format!("--cpu `{n}` is not a count from 0 to 64"))?,
                None => 1,
            },
            mem_mb: flag("mem").map(parse_mem).transpose()?.unwrap_or(0),
        },
        other => return Err(format!("unknown fault `{other}`; usage: {USAGE}")),
    };
    let duration = match (flag("for"), args.as_slice()) {
        (Some(t), []) | (None, &[t]) => parse_duration(t)?,
        (None, []) => default,
        _ => return Err(format!("unexpected `{}`", args.join(" "))),
    };
    Ok(ChaosLine::Fault(FaultSpec {
        service: service.to_string(),
        kind: fault,
        duration,
    }))
}

#[cfg(test)]
mod tests;
