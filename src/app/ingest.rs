//! What the probes report, folded into State: samples of each source and Docker's events.

use super::msg::{ContainerEvent, Reading, Sample};
use super::state::{ContainerRow, State};

pub(super) fn apply_sample(state: &mut State, sample: Sample) {
    let health = &mut state.sources[sample.source.index()];
    health.last_attempt = Some(sample.at);
    let reading = match sample.result {
        Ok(reading) => {
            health.last_ok = Some(sample.at);
            health.error = None;
            reading
        }
        Err(err) => {
            health.error = Some(err);
            return;
        }
    };
    let at = sample.at;
    match reading {
        Reading::Containers(list) => {
            let mut rows: Vec<ContainerRow> = list
                .into_iter()
                .map(|info| {
                    let old = state.containers.iter().find(|r| r.info.id == info.id);
                    ContainerRow {
                        stats: old.and_then(|r| r.stats.clone()),
                        stats_at: old.and_then(|r| r.stats_at),
                        last_event: old.and_then(|r| r.last_event.clone()),
                        info,
                    }
                })
                .collect();
            sort_rows(&mut rows);
            state.containers = rows;
        }
        Reading::Stats(stats) => {
            for s in stats {
                if let Some(row) = state.containers.iter_mut().find(|r| r.info.id == s.id) {
                    row.stats = Some(s);
                    row.stats_at = Some(at);
                }
            }
        }
        Reading::Queue { depth, processing } => {
            state.queue.depth = Some(depth);
            state.queue.processing = Some(processing);
            state.queue.depth_series.push(at, depth as f64);
        }
        Reading::Events {
            counts,
            oldest_queued,
        } => {
            let ev = &mut state.events;
            if let Some((prev_at, prev)) = ev.prev {
                let secs = (at - prev_at).num_milliseconds() as f64 / 1000.0;
                if secs > 0.0 {
                    // A restore or reset can shrink the table; a negative rate means nothing.
                    let rate = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
                    let in_rate = rate(counts.total(), prev.total());
                    let out_rate = rate(counts.finished(), prev.finished());
                    ev.in_rate = Some(in_rate);
                    ev.out_rate = Some(out_rate);
                    ev.in_series.push(at, in_rate);
                    ev.out_series.push(at, out_rate);
                }
            }
            ev.prev = Some((at, counts));
            ev.counts = Some(counts);
            ev.oldest_queued = oldest_queued;
        }
        Reading::Traffic(versions) => {
            let tr = &mut state.traffic;
            for v in versions {
                tr.rps_series
                    .entry(v.version.clone())
                    .or_insert_with(|| super::state::Series::new(super::state::SERIES_CAP))
                    .push(at, v.rps);
                tr.error_series
                    .entry(v.version.clone())
                    .or_insert_with(|| super::state::Series::new(super::state::SERIES_CAP))
                    .push(at, v.error_ratio.unwrap_or(0.0));
                tr.versions.insert(v.version.clone(), v);
            }
        }
        // The canary module takes these in, so it sees the split change.
        Reading::Canary { .. } | Reading::Guard { .. } => {}
    }
}

fn sort_rows(rows: &mut [ContainerRow]) {
    rows.sort_by(|a, b| {
        (a.info.service.as_str(), a.info.name.as_str())
            .cmp(&(b.info.service.as_str(), b.info.name.as_str()))
    });
}

pub(super) fn apply_event(state: &mut State, ev: ContainerEvent) {
    // A followed log stream ends with its container; follow it again once it is back.
    if ev.action == "start" && state.logs.container_id.as_deref() == Some(ev.id.as_str()) {
        state.logs.container_id = None;
    }
    let pos = state.containers.iter().position(|r| r.info.id == ev.id);
    match (pos, ev.info) {
        (Some(i), Some(info)) => {
            let row = &mut state.containers[i];
            if info.state != "running" {
                row.stats = None;
            }
            row.info = info;
            row.last_event = Some((ev.at, ev.action));
        }
        (None, Some(info)) => {
            state.containers.push(ContainerRow {
                info,
                stats: None,
                stats_at: None,
                last_event: Some((ev.at, ev.action)),
            });
            sort_rows(&mut state.containers);
        }
        (Some(i), None) => {
            state.containers.remove(i);
        }
        (None, None) => {}
    }
}
