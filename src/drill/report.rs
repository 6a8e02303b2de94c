//! A finished drill as a JSON journal (every timeline entry with its figures) and a Markdown
//! report: the outcome, the score, a timeline table and the figures before, during and after.

use crate::app::drill::eval::ObjectiveState;
use crate::app::drill::spec::num;
use crate::app::drill::DrillRun;
use serde_json::{json, Value};
use std::fmt::Write;

pub fn journal(run: &DrillRun) -> Value {
    json!({
        "title": run.spec.title,
        "spec": run.spec,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "fault_at": run.fault_at,
        "detected_at": run.detected_at,
        "recovered_at": run.recovered_at,
        "score": run.score(),
        "objectives": run.spec.objectives.iter().zip(&run.objectives)
            .map(|(o, s)| json!({ "name": o.name, "state": s })).collect::<Vec<_>>(),
        "figures": run.figures,
        "events": run.timeline,
    })
}

fn fig(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| num((v * 1000.0).round() / 1000.0))
}

fn secs(v: Option<f64>) -> String {
    v.map_or("–".into(), |s| format!("{s:.1} s"))
}

pub fn markdown(run: &DrillRun) -> String {
    let s = run.score();
    let mut md = String::new();
    let _ = writeln!(md, "# Drill: {}\n", run.spec.title);
    let _ = writeln!(md, "{}\n", run.spec.briefing);
    let _ = writeln!(md, "## Result: {}\n", s.outcome.describe());
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(
        md,
        "| started | {} |",
        run.started_at.map_or("–".into(), |t| t.to_rfc3339())
    );
    let _ = writeln!(md, "| lasted | {} |", secs(s.seconds));
    let _ = writeln!(
        md,
        "| time to detect (fault → first check red) | {} |",
        secs(s.time_to_detect_secs)
    );
    let _ = writeln!(
        md,
        "| time to recover (first red → all green) | {} |",
        secs(s.time_to_recover_secs)
    );
    let _ = writeln!(
        md,
        "| objectives met | {}/{} |",
        s.objectives_met, s.objectives
    );
    let _ = writeln!(
        md,
        "| hypothesis held | {} |\n",
        if s.held { "yes" } else { "no" }
    );

    let _ = writeln!(md, "## Steady-state hypothesis\n");
    for (h, c) in run.spec.hypothesis.iter().zip(&run.checks) {
        let _ = writeln!(
            md,
            "- {} (`{}`): {} at the end",
            h.name,
            h.check.describe(),
            c.word()
        );
    }
    let _ = writeln!(md, "\n## Objectives\n");
    for (o, st) in run.spec.objectives.iter().zip(&run.objectives) {
        let state = match st {
            ObjectiveState::Met { secs, .. } => format!("met in {secs:.1} s"),
            ObjectiveState::Missed => "missed".into(),
            _ => "open".into(),
        };
        let _ = writeln!(
            md,
            "- {} (`{}` within {} s): {state}",
            o.name,
            o.check.describe(),
            o.within.as_secs()
        );
    }
    let _ = writeln!(
        md,
        "\n## Figures\n\n| figure | before | during (min–max) | after |\n|---|---|---|---|"
    );
    for f in &run.figures {
        let _ = writeln!(
            md,
            "| {} | {} | {}–{} | {} |",
            f.name,
            fig(f.before),
            fig(f.min),
            fig(f.max),
            fig(f.after)
        );
    }
    let _ = writeln!(
        md,
        "\n## Timeline\n\n| t (s) | what | event |\n|---:|---|---|"
    );
    for e in &run.timeline {
        let _ = writeln!(
            md,
            "| {:.1} | {} | {} |",
            e.elapsed,
            e.kind.word(),
            e.text.replace('|', "\\|")
        );
    }
    md
}
