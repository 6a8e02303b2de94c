//! The chaos config: how long a fault lasts when none is given, and the lab network a
//! partition cuts a container off.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

fn fault_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let v = humantime_serde::deserialize::<Duration, D>(d)?;
    if v < Duration::from_secs(1) || v > Duration::from_secs(3600) {
        return Err(serde::de::Error::custom(format!(
            "expected a fault duration from 1s to 1h, got {}",
            humantime::format_duration(v)
        )));
    }
    Ok(v)
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chaos {
    /// How long a fault lasts when the key or command names no duration.
    #[serde(deserialize_with = "fault_duration")]
    pub duration: Duration,
    /// The network a partition disconnects from (and reconnects to, with the service's name).
    pub network: String,
}

impl Default for Chaos {
    fn default() -> Self {
        Chaos {
            duration: Duration::from_secs(15),
            network: "driftdock_lab".into(),
        }
    }
}
