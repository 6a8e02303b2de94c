//! What a State starts from: the config's part of it, the start time and the screen flags.
//! A journal begins with it, so a replay starts from the same State as the run it replays.

use super::plan::PlanSpec;
use super::state::{State, Thresholds};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub at: DateTime<Utc>,
    pub lab_name: String,
    pub project: String,
    pub readonly: bool,
    /// The probes' intervals in `Source::ALL` order, in milliseconds.
    pub intervals_ms: [i64; 5],
    pub canary_step: u8,
    pub plan: Option<PlanSpec>,
    pub load_rate: u32,
    pub chaos_duration: std::time::Duration,
    pub thresholds: Thresholds,
    pub show_keys: bool,
    pub presenter: bool,
    /// The local time zone's offset from UTC, for times typed in `:restore-to`.
    #[serde(default)]
    pub utc_offset_secs: i32,
}

impl Start {
    pub fn state(&self) -> State {
        let mut state = State::new(
            self.lab_name.clone(),
            self.project.clone(),
            self.at,
            self.intervals_ms.map(Duration::milliseconds),
        );
        state.readonly = self.readonly;
        state.canary.step = self.canary_step;
        state.canary.plan_spec = self.plan.clone();
        state.load.rate = self.load_rate;
        state.chaos.duration = self.chaos_duration;
        state.thresholds = self.thresholds.clone();
        state.show.keys = self.show_keys;
        state.show.presenter = self.presenter;
        if let Some(offset) = chrono::FixedOffset::east_opt(self.utc_offset_secs) {
            state.backups.offset = offset;
        }
        state
    }
}
