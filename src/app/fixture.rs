//! Deterministic States for snapshot tests and benchmarks, each built only by feeding Msgs
//! through `update`, as the runtime would: a fixed clock and made-up but plausible figures.

use super::msg::{
    ContainerEvent, ContainerInfo, ContainerStats, EffectOutcome, Msg, Reading, Sample, Source,
    StatusCounts, VersionTraffic,
};
use super::state::State;
use super::update::update;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The fixtures' "now": 2026-12-04T10:00:00Z.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
}

/// Probe intervals by source: docker, redis, postgres, prometheus, gateway.
pub fn intervals() -> [Duration; 5] {
    [2, 1, 2, 5, 5].map(Duration::seconds)
}

/// Seconds of history the busy fixtures replay before `t0`.
const HISTORY: i64 = 120;

fn at(secs_before_t0: i64) -> DateTime<Utc> {
    t0() - Duration::seconds(secs_before_t0)
}

fn feed(state: &mut State, msg: Msg) {
    update(state, msg);
}

fn key(state: &mut State, code: KeyCode) {
    feed(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

/// A lab where nothing has been measured yet.
pub fn empty() -> State {
    let mut s = State::new("DriftDock lab", "driftdock", at(0), intervals());
    feed(&mut s, Msg::Tick(t0()));
    s
}

fn info(service: &str, state: &str, health: Option<&str>, up_secs: i64) -> ContainerInfo {
    ContainerInfo {
        id: format!("{service}-0123456789ab"),
        name: format!("driftdock-{service}-1"),
        service: service.to_string(),
        state: state.to_string(),
        health: health.map(str::to_string),
        started_at: Some(at(up_secs)),
        restarts: 0,
        exit_code: None,
    }
}

/// The lab's services as they stood before the replay's events.
fn lab() -> Vec<ContainerInfo> {
    let healthy = Some("healthy");
    let mut redis = info("redis", "running", healthy, 3 * 3600 + 300);
    redis.restarts = 1;
    vec![
        info("gateway", "running", healthy, 3 * 3600 + 720),
        info("api-v1", "running", healthy, 3 * 3600 + 700),
        info("api-v2", "running", healthy, 1454),
        info("worker", "running", healthy, 3 * 3600 + 690),
        info("postgres", "running", healthy, 3 * 3600 + 730),
        redis,
        info("prometheus", "running", None, 3 * 3600 + 725),
        info("load", "running", None, 600),
    ]
}

const MIB: u64 = 1024 * 1024;

fn stats(s: i64) -> Vec<ContainerStats> {
    let w = (s % 7) as f64 / 10.0;
    let one = |service: &str, cpu: f64, mem: u64, limit: u64, rx: u64, tx: u64| ContainerStats {
        id: format!("{service}-0123456789ab"),
        cpu_percent: Some(cpu + w),
        mem_bytes: mem * MIB + (s as u64 % 5) * MIB / 4,
        mem_limit: limit * MIB,
        net_rx: rx * 1024 + s as u64 * 4096,
        net_tx: tx * 1024 + s as u64 * 2048,
    };
    vec![
        one("gateway", 3.1, 12, 256, 48_000, 51_000),
        one("api-v1", 18.4, 46, 512, 22_000, 31_000),
        one("api-v2", 6.2, 41, 512, 7_100, 9_800),
        one("worker", 9.7, 28, 512, 15_000, 4_300),
        one("postgres", 12.9, 412, 2048, 9_200, 14_500),
        one("redis", 2.4, 9, 256, 6_300, 5_900),
        one("prometheus", 4.8, 187, 1024, 3_100, 820),
        one("load", 21.5, 17, 256, 64_000, 41_000),
    ]
}

/// Which probe answers go wrong in a replay.
#[derive(Clone, Copy)]
enum Outage {
    None,
    /// The source fails from `since` seconds before t0 on.
    Down(Source, i64),
    /// The source is not heard from after `since` seconds before t0.
    Silent(Source, i64),
}

/// Traffic shape: requests per second to v1 and v2, v2's error ratio and p95.
#[derive(Clone, Copy)]
struct Load {
    v1: f64,
    v2: f64,
    v2_errors: f64,
    v2_p95: f64,
    /// Jobs the queue gains per second once the worker is paused.
    backlog: u64,
}

const STEADY: Load = Load {
    v1: 30.0,
    v2: 10.0,
    v2_errors: 0.004,
    v2_p95: 142.0,
    backlog: 0,
};

fn sample(state: &mut State, outage: Outage, secs: i64, reading: Reading) {
    let source = reading.source();
    let when = at(secs);
    let msg = match outage {
        Outage::Down(s, since) if s == source && secs <= since => {
            Sample::err(source, when, "connection refused (os error 111)")
        }
        Outage::Silent(s, since) if s == source && secs <= since => return,
        _ => Sample::ok(when, reading),
    };
    feed(state, Msg::Sample(msg));
}

const LOG_LINES: [&str; 6] = [
    "INFO  POST /events 201 3ms event_id={n}",
    "INFO  GET /health 200 0ms",
    "INFO  POST /events 201 4ms event_id={n}",
    "WARN  slow query: INSERT INTO events took 212ms event_id={n}",
    "INFO  GET /stats 200 2ms",
    "ERROR POST /events 503 redis: connection reset by peer event_id={n}",
];

/// Two minutes of a busy lab, replayed second by second up to t0.
fn replay(outage: Outage, load: Load) -> State {
    let mut s = State::new("DriftDock lab", "driftdock", at(HISTORY), intervals());
    feed(&mut s, Msg::Resize(120, 40));
    let mut done = 48_210u64;
    let mut failed = 37u64;
    for secs in (0..=HISTORY).rev() {
        let i = HISTORY - secs;
        feed(&mut s, Msg::Tick(at(secs)));
        if i == 0 {
            sample(&mut s, outage, secs, Reading::Containers(lab()));
        }
        if i % 2 == 0 {
            // Docker reports stats for running containers only.
            let running: Vec<ContainerStats> = stats(i)
                .into_iter()
                .filter(|st| {
                    s.containers
                        .iter()
                        .any(|r| r.info.id == st.id && r.info.state == "running")
                })
                .collect();
            sample(&mut s, outage, secs, Reading::Stats(running));
        }
        let paused_for = (8 - secs).max(0) as u64;
        let depth = 18
            + (i * 7 % 23) as u64
            + if i > 100 { (i - 100) as u64 } else { 0 }
            + paused_for * load.backlog;
        sample(
            &mut s,
            outage,
            secs,
            Reading::Queue {
                depth,
                processing: 3 + (i % 3) as u64,
            },
        );
        if i % 2 == 0 {
            done += 76 + (i % 5) as u64;
            failed += u64::from(i % 40 == 0);
            let counts = StatusCounts {
                queued: depth,
                processing: 3,
                done,
                failed,
            };
            let oldest = Some(at(secs + 4 + i % 3));
            sample(
                &mut s,
                outage,
                secs,
                Reading::Events {
                    counts,
                    oldest_queued: oldest,
                },
            );
        }
        if i % 5 == 0 {
            let wobble = ((i * 13) % 11) as f64 / 2.0 - 2.5;
            let traffic = vec![
                VersionTraffic {
                    version: "v1".into(),
                    rps: load.v1 + wobble,
                    error_ratio: Some(0.002),
                    p95_ms: Some(118.0 + wobble * 2.0),
                },
                VersionTraffic {
                    version: "v2".into(),
                    rps: load.v2 - wobble / 2.0,
                    error_ratio: Some(load.v2_errors),
                    p95_ms: Some(load.v2_p95 + wobble),
                },
            ];
            sample(&mut s, outage, secs, Reading::Traffic(traffic));
            sample(&mut s, outage, secs, Reading::Canary { percent: 25 });
        }
        if i % 3 == 0 {
            let lines = (0..2)
                .map(|k| {
                    let n = 48_000 + i * 2 + k;
                    let text =
                        LOG_LINES[((i / 3 * 2 + k) % 6) as usize].replace("{n}", &n.to_string());
                    format!("{} {text}", at(secs).format("%H:%M:%S"))
                })
                .collect();
            let id = s.logs.container_id.clone().unwrap_or_default();
            feed(
                &mut s,
                Msg::Logs {
                    container_id: id,
                    lines,
                },
            );
        }
        // The worker is paused 8 s before t0, and chaos kills the load generator at -3 s.
        if secs == 8 {
            container_event(&mut s, secs, "worker", "pause", |c| {
                c.state = "paused".into()
            });
        }
        if secs == 3 {
            container_event(&mut s, secs, "load", "kill", |c| {
                c.state = "exited".into();
                c.exit_code = Some(137);
            });
        }
    }
    s
}

fn container_event(
    state: &mut State,
    secs: i64,
    service: &str,
    action: &str,
    change: impl FnOnce(&mut ContainerInfo),
) {
    let Some(row) = state.containers.iter().find(|r| r.info.service == service) else {
        return;
    };
    let mut info = row.info.clone();
    change(&mut info);
    feed(
        state,
        Msg::ContainerEvent(ContainerEvent {
            at: at(secs),
            id: info.id.clone(),
            action: action.to_string(),
            info: Some(info),
        }),
    );
}

/// A healthy, busy lab: eight containers (the worker paused, the load generator just killed),
/// stats, a queue, events, traffic on both versions and the canary at 25%.
pub fn busy() -> State {
    replay(Outage::None, STEADY)
}

/// Redis has refused connections for the last 42 seconds.
pub fn redis_down() -> State {
    replay(Outage::Down(Source::Redis, 41), STEADY)
}

/// Prometheus has not answered for half a minute, without an error.
pub fn prometheus_stale() -> State {
    replay(Outage::Silent(Source::Prometheus, 33), STEADY)
}

/// The `?` overlay over the busy lab.
pub fn help() -> State {
    let mut s = busy();
    key(&mut s, KeyCode::Char('?'));
    s
}

/// `:c` typed on the command line: two commands could follow.
pub fn command_line() -> State {
    let mut s = busy();
    key(&mut s, KeyCode::Char(':'));
    type_text(&mut s, "c");
    s
}

/// `/api` being typed as a containers filter.
pub fn filtering() -> State {
    let mut s = busy();
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "api");
    s
}

/// Started with `--readonly`, the canary focused and `+` refused.
pub fn readonly() -> State {
    let mut s = busy();
    s.readonly = true;
    key(&mut s, KeyCode::Char('6'));
    key(&mut s, KeyCode::Char('+'));
    s
}

/// The logs focused, filtered on `error`, and scrolled up off the end.
pub fn logs_filtered() -> State {
    let mut s = busy();
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "error");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Up);
    s
}

/// v2 takes far more traffic than the gateway's 25% says and fails, the queue backs up behind
/// the paused worker, and a canary change runs.
pub fn canary_mismatch() -> State {
    let load = Load {
        v1: 20.0,
        v2: 20.0,
        v2_errors: 0.034,
        v2_p95: 640.0,
        backlog: 14,
    };
    let mut s = replay(Outage::None, load);
    key(&mut s, KeyCode::Char('6'));
    feed(
        &mut s,
        Msg::Effect {
            name: "canary 25→30".into(),
            at: at(1),
            outcome: EffectOutcome::Started,
        },
    );
    s
}

/// Chaos in force: the worker paused for 12 s more, api-v1's latency past its deadline and
/// being undone, and the toast of the pause.
pub fn chaos() -> State {
    let mut s = busy();
    let fault = |service: &str, what: &str, left: i64| {
        Msg::Fault(super::msg::FaultEvent::Active(super::msg::FaultView {
            id: format!("{service}-fault"),
            service: service.into(),
            container_id: format!("{service}-0123456789ab"),
            what: what.into(),
            deadline: t0() + Duration::seconds(left),
        }))
    };
    feed(&mut s, fault("worker", "pause", 12));
    feed(&mut s, fault("api-v1", "latency 300ms ±50ms", 0));
    feed(
        &mut s,
        Msg::Effect {
            name: "chaos".into(),
            at: at(3),
            outcome: EffectOutcome::Done("chaos: pause worker for 15s (applied in 41 ms)".into()),
        },
    );
    feed(&mut s, Msg::Tick(t0()));
    s
}

/// `q` pressed while an effect runs.
pub fn confirm_quit() -> State {
    let mut s = canary_mismatch();
    key(&mut s, KeyCode::Char('q'));
    s
}

fn later(secs_after_t0: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs_after_t0)
}

fn guard_sample(state: &mut State, secs_after_t0: i64, v2_errors: f64) {
    let v = |version: &str, rps: f64, errors: f64, p95: f64| VersionTraffic {
        version: version.into(),
        rps,
        error_ratio: Some(errors),
        p95_ms: Some(p95),
    };
    let reading = Reading::Guard {
        window_secs: 30,
        versions: vec![v("v1", 15.0, 0.002, 118.0), v("v2", 5.0, v2_errors, 151.0)],
        load_rps: 19.8,
    };
    feed(
        state,
        Msg::Sample(Sample::ok(later(secs_after_t0), reading)),
    );
    feed(state, Msg::Tick(later(secs_after_t0)));
}

fn gateway_at(state: &mut State, secs_after_t0: i64, percent: u8) {
    let reading = Reading::Canary { percent };
    feed(
        state,
        Msg::Sample(Sample::ok(later(secs_after_t0), reading)),
    );
}

/// The other sources answer again at `secs_after_t0` with what they said last, so only the
/// canary moved while the plan ran.
fn refresh(state: &mut State, secs_after_t0: i64) {
    let when = later(secs_after_t0);
    let mut readings = vec![Reading::Stats(stats(0))];
    if let (Some(depth), Some(processing)) = (state.queue.depth, state.queue.processing) {
        readings.push(Reading::Queue { depth, processing });
    }
    if let Some(counts) = state.events.counts {
        readings.push(Reading::Events {
            counts,
            oldest_queued: state.events.oldest_queued,
        });
    }
    readings.push(Reading::Traffic(
        state.traffic.versions.values().cloned().collect(),
    ));
    for reading in readings {
        feed(state, Msg::Sample(Sample::ok(when, reading)));
    }
}

/// The busy lab with a plan running from 0%: step 2 of 4 (25%) held for 13 s of 30, the
/// guard counting its first breach, the load generator at about 20 req/s.
pub fn canary_plan() -> State {
    use super::plan::{Guard, PlanSpec, Step};
    let mut s = busy();
    let step = |weight, secs| Step {
        weight,
        hold: Duration::seconds(secs),
    };
    s.canary.plan_spec = Some(PlanSpec {
        name: "config".into(),
        steps: vec![step(10, 30), step(25, 30), step(50, 60), step(75, 60)],
        guard: Guard::default(),
    });
    gateway_at(&mut s, 0, 0);
    key(&mut s, KeyCode::Char('6'));
    key(&mut s, KeyCode::Char('p'));
    gateway_at(&mut s, 1, 10);
    for secs in (1..=31).step_by(5) {
        guard_sample(&mut s, secs, 0.002);
    }
    gateway_at(&mut s, 32, 25);
    for secs in (35..=40).step_by(5) {
        guard_sample(&mut s, secs, 0.002);
    }
    gateway_at(&mut s, 44, 25);
    guard_sample(&mut s, 45, 0.071);
    refresh(&mut s, 45);
    s
}

/// The same plan after the guard's third breach in a row: aborted to 0%.
pub fn canary_aborted() -> State {
    let mut s = canary_plan();
    guard_sample(&mut s, 50, 0.083);
    guard_sample(&mut s, 55, 0.094);
    gateway_at(&mut s, 56, 0);
    refresh(&mut s, 57);
    feed(&mut s, Msg::Tick(later(57)));
    s
}
