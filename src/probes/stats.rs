//! Container stats: one non-streaming reading per running lab container per round (streaming
//! stats cost the daemon CPU all the time), CPU % computed from this reading and the last.
//! Engine 20.10 answers a one-shot call on its next 1 s collection tick, so a round takes up to
//! a second; the calls run in parallel so it is one second, not one per container.

use super::docker::{describe, lab_ids};
use crate::app::msg::{ContainerStats, Reading};
use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use futures_util::future::join_all;
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// The CPU counters of one reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuSample {
    /// Container CPU time, ns.
    pub total: u64,
    /// Host CPU time, ns (all CPUs).
    pub system: u64,
    pub online_cpus: u32,
}

pub fn cpu_sample(s: &ContainerStatsResponse) -> Option<CpuSample> {
    let cpu = s.cpu_stats.as_ref()?;
    let usage = cpu.cpu_usage.as_ref()?;
    let online = cpu
        .online_cpus
        .filter(|n| *n > 0)
        .or_else(|| {
            usage
                .percpu_usage
                .as_ref()
                .map(|v| v.len() as u32)
                .filter(|n| *n > 0)
        })
        .unwrap_or(1);
    Some(CpuSample {
        total: usage.total_usage?,
        system: cpu.system_cpu_usage?,
        online_cpus: online,
    })
}

/// Docker's CPU %: Δ container time / Δ host time × online CPUs × 100. None when the host
/// clock did not move or the counters went backwards (a restarted container).
pub fn cpu_percent(prev: &CpuSample, cur: &CpuSample) -> Option<f64> {
    let d_total = cur.total.checked_sub(prev.total)?;
    let d_system = cur.system.checked_sub(prev.system)?;
    if d_system == 0 {
        return None;
    }
    Some(d_total as f64 / d_system as f64 * cur.online_cpus as f64 * 100.0)
}

/// Memory in use without the inactive page cache, as `docker stats` shows it
/// (cgroup v1 reports `total_inactive_file`, v2 `inactive_file`).
pub fn memory_used(s: &ContainerStatsResponse) -> u64 {
    let Some(mem) = s.memory_stats.as_ref() else {
        return 0;
    };
    let usage = mem.usage.unwrap_or(0);
    let inactive = mem.stats.as_ref().and_then(|st| {
        st.get("total_inactive_file")
            .or_else(|| st.get("inactive_file"))
            .copied()
    });
    match inactive {
        Some(cache) if cache < usage => usage - cache,
        _ => usage,
    }
}

/// Received and sent bytes, summed over the container's interfaces.
pub fn network_bytes(s: &ContainerStatsResponse) -> (u64, u64) {
    s.networks.as_ref().map_or((0, 0), |nets| {
        nets.values().fold((0, 0), |(rx, tx), n| {
            (rx + n.rx_bytes.unwrap_or(0), tx + n.tx_bytes.unwrap_or(0))
        })
    })
}

/// Reads stats round after round, keeping each container's last CPU counters.
#[derive(Default)]
pub struct StatsReader {
    prev: HashMap<String, CpuSample>,
}

impl StatsReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// One round: every running lab container once (or only those in `only`), in parallel,
    /// each within `each_timeout`. A container that does not answer in time is left out of
    /// this round.
    pub async fn read(
        &mut self,
        docker: &Docker,
        project: &str,
        each_timeout: Duration,
        only: Option<&HashSet<String>>,
    ) -> Result<Reading, String> {
        // The control room names the running containers it shows; listing them again every
        // round would cost the daemon more than their stats.
        let ids: Vec<String> = match only {
            Some(only) => only.iter().cloned().collect(),
            None => lab_ids(docker, project, true).await?,
        };
        let answers = join_all(ids.iter().map(|id| one_shot(docker, id, each_timeout))).await;
        let mut out = Vec::with_capacity(ids.len());
        let mut prev = HashMap::with_capacity(ids.len());
        let mut first_error = None;
        for (id, answer) in ids.iter().zip(answers) {
            let raw = match answer {
                Ok(raw) => raw,
                Err(e) => {
                    // Missed this round: keep its counters for the next one.
                    if let Some(p) = self.prev.get(id) {
                        prev.insert(id.clone(), *p);
                    }
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            let cpu = cpu_sample(&raw);
            let cpu_percent = match (self.prev.get(id), &cpu) {
                (Some(p), Some(c)) => cpu_percent(p, c),
                _ => None,
            };
            if let Some(c) = cpu {
                prev.insert(id.clone(), c);
            }
            let (net_rx, net_tx) = network_bytes(&raw);
            out.push(ContainerStats {
                id: id.clone(),
                cpu_percent,
                mem_bytes: memory_used(&raw),
                mem_limit: raw.memory_stats.as_ref().and_then(|m| m.limit).unwrap_or(0),
                net_rx,
                net_tx,
            });
        }
        // Containers no longer running are forgotten; those merely off screen keep their
        // counters, so their CPU % is known again as soon as they scroll back in.
        if only.is_some() {
            for (id, p) in std::mem::take(&mut self.prev) {
                prev.entry(id).or_insert(p);
            }
        }
        self.prev = prev;
        match first_error {
            Some(e) if out.is_empty() => Err(format!("no container stats: {e}")),
            _ => Ok(Reading::Stats(out)),
        }
    }
}

async fn one_shot(
    docker: &Docker,
    id: &str,
    timeout: Duration,
) -> Result<ContainerStatsResponse, String> {
    let mut stream = docker.stats(
        id,
        Some(StatsOptions {
            stream: false,
            one_shot: true,
        }),
    );
    match tokio::time::timeout(timeout, stream.next()).await {
        Ok(Some(Ok(s))) => Ok(s),
        Ok(Some(Err(e))) => Err(describe(&e)),
        Ok(None) => Err("docker sent no stats".to_string()),
        Err(_) => Err(format!(
            "no stats within {}",
            humantime::format_duration(timeout)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{
        ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats, ContainerNetworkStats,
    };

    fn stats(total: u64, system: u64, cpus: u32) -> ContainerStatsResponse {
        ContainerStatsResponse {
            cpu_stats: Some(ContainerCpuStats {
                cpu_usage: Some(ContainerCpuUsage {
                    total_usage: Some(total),
                    ..Default::default()
                }),
                system_cpu_usage: Some(system),
                online_cpus: Some(cpus),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn cpu_percent_is_dockers_formula() {
        let a = cpu_sample(&stats(1_000, 10_000, 2)).unwrap();
        let b = cpu_sample(&stats(1_500, 12_000, 2)).unwrap();
        // 500 / 2000 × 2 CPUs × 100 = 50 %.
        assert_eq!(cpu_percent(&a, &b), Some(50.0));
        // The host clock did not move, or the container restarted: no figure.
        assert_eq!(cpu_percent(&a, &a), None);
        assert_eq!(cpu_percent(&b, &a), None);
    }

    #[test]
    fn online_cpus_falls_back_to_the_per_cpu_list() {
        let mut s = stats(1, 1, 0);
        let usage = s.cpu_stats.as_mut().unwrap().cpu_usage.as_mut().unwrap();
        usage.percpu_usage = Some(vec![1, 2, 3, 4]);
        assert_eq!(cpu_sample(&s).unwrap().online_cpus, 4);
        assert_eq!(cpu_sample(&ContainerStatsResponse::default()), None);
    }

    fn mem(usage: u64, stats: &[(&str, u64)]) -> ContainerStatsResponse {
        ContainerStatsResponse {
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(usage),
                stats: Some(stats.iter().map(|(k, v)| (k.to_string(), *v)).collect()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn memory_leaves_out_the_inactive_cache() {
        // cgroup v1
        assert_eq!(
            memory_used(&mem(
                100,
                &[("total_inactive_file", 30), ("inactive_file", 5)]
            )),
            70
        );
        // cgroup v2
        assert_eq!(memory_used(&mem(100, &[("inactive_file", 40)])), 60);
        // Never below zero.
        assert_eq!(memory_used(&mem(100, &[("inactive_file", 400)])), 100);
        assert_eq!(memory_used(&ContainerStatsResponse::default()), 0);
    }

    #[test]
    fn network_sums_every_interface() {
        let net = |rx, tx| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..Default::default()
        };
        let s = ContainerStatsResponse {
            networks: Some(HashMap::from([
                ("eth0".to_string(), net(10, 1)),
                ("eth1".to_string(), net(5, 2)),
            ])),
            ..Default::default()
        };
        assert_eq!(network_bytes(&s), (15, 3));
    }
}
