//! What an operator (or a failed effect) does to a running plan: abort, promote, pause.

use super::*;

impl PlanRun {
    pub(super) fn abort_with(
        &mut self,
        now: DateTime<Utc>,
        what: &'static str,
        why: String,
        detail: Value,
    ) -> Vec<Out> {
        self.stop_hold(now);
        self.phase = Phase::Aborting;
        self.reason = Some(why.clone());
        self.decide(now, DecisionKind::Bad, format!("aborting to 0%: {why}"));
        vec![Out::Set {
            to: 0,
            what,
            detail,
        }]
    }

    /// The operator aborts: back to 0%.
    pub fn abort(&mut self, now: DateTime<Utc>, why: &str) -> Vec<Out> {
        if !matches!(
            self.phase,
            Phase::Applying | Phase::Holding | Phase::Promoting
        ) {
            return Vec::new();
        }
        let detail = json!({ "plan": self.spec.name, "step": self.step + 1, "reason": why });
        self.abort_with(now, "canary.plan.abort", why.to_string(), detail)
    }

    /// The operator promotes: straight to 100%, whatever step it is on.
    pub fn promote(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        if !matches!(self.phase, Phase::Applying | Phase::Holding) {
            return Vec::new();
        }
        self.stop_hold(now);
        self.phase = Phase::Promoting;
        self.decide(now, DecisionKind::Info, "promoting to 100% by hand");
        vec![Out::Set {
            to: 100,
            what: "canary.plan.promote",
            detail: json!({ "plan": self.spec.name, "step": self.step + 1, "reason": "promoted by hand" }),
        }]
    }

    /// Space: pause or resume by hand.
    pub fn toggle_pause(&mut self, now: DateTime<Utc>) -> Vec<Out> {
        if !matches!(self.phase, Phase::Applying | Phase::Holding) {
            return Vec::new();
        }
        self.user_paused = !self.user_paused;
        let what = if self.user_paused {
            self.stop_hold(now);
            self.decide(now, DecisionKind::Info, "paused by hand");
            "canary.plan.pause"
        } else {
            self.resume_hold(now);
            self.decide(now, DecisionKind::Info, "resumed by hand");
            "canary.plan.resume"
        };
        vec![Out::Audit {
            what,
            detail: json!({ "plan": self.spec.name, "step": self.step + 1, "reason": "by hand" }),
        }]
    }

    /// A change the plan asked for failed: the old split stays, and the plan aborts.
    pub fn on_effect_failed(&mut self, now: DateTime<Utc>, error: &str) -> Vec<Out> {
        match self.phase {
            Phase::Applying | Phase::Promoting => {
                let why = format!("the gateway did not take the change: {error}");
                let detail =
                    json!({ "plan": self.spec.name, "step": self.step + 1, "reason": why });
                self.abort_with(now, "canary.plan.abort", why, detail)
            }
            Phase::Aborting => {
                self.phase = Phase::Aborted;
                let why = format!(
                    "{}; the abort to 0% failed too: {error}",
                    self.reason.clone().unwrap_or_default()
                );
                self.reason = Some(why.clone());
                self.decide(now, DecisionKind::Bad, why.clone());
                vec![Out::Toast {
                    error: true,
                    text: format!("canary plan: {why}"),
                }]
            }
            _ => Vec::new(),
        }
    }
}
