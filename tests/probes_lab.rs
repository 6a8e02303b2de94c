//! The probes against the real lab: every source read, the project filter holding against a
//! look-alike, Docker events on a kill, a Redis outage and recovery, and log following.
//! Every test holds the lab lock and leaves the lab healthy, even when it fails.

mod common;

use common::*;
use driftdock::app::msg::{ContainerEvent, Msg, Reading, Sample, Source};
use driftdock::config::Config;
use driftdock::probes::{self, docker, logs, stats};
use std::sync::MutexGuard;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{channel, Receiver};

const DECOY: &str = "driftdock_gateway_decoy";

/// The full id of a lab service's running container (events and the API use full ids).
fn full_id(service: &str) -> String {
    docker(&["inspect", "-f", "{{.Id}}", &container(service)])
        .trim()
        .to_string()
}

fn config() -> Config {
    Config::from_toml("", "probes_lab").expect("the default config")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Holds the lab lock for a test and, when dropped (also on a failed assertion), starts
/// whatever is stopped and waits for every lab container to be healthy again.
struct LabSession {
    _lock: MutexGuard<'static, ()>,
}

impl LabSession {
    fn begin() -> Self {
        let lock = lab_lock();
        require_lab();
        assert!(
            restore_lab(Duration::from_secs(120)),
            "the lab is not healthy before the test"
        );
        LabSession { _lock: lock }
    }
}

impl Drop for LabSession {
    fn drop(&mut self) {
        if !restore_lab(Duration::from_secs(120)) {
            eprintln!("warning: the lab was not healthy again within 120 s after the test");
        }
    }
}

/// A container outside the project whose name and service label look like the lab's.
struct Decoy;

impl Decoy {
    fn start() -> (Self, String) {
        try_docker(&["rm", "-f", DECOY]);
        let id = docker(&[
            "run",
            "-d",
            "--name",
            DECOY,
            "--label",
            "com.docker.compose.project=driftdock-decoy",
            "--label",
            "com.docker.compose.service=gateway",
            "driftdock/base:latest",
            "sleep",
            "300",
        ]);
        (Decoy, id.trim().to_string())
    }
}

impl Drop for Decoy {
    fn drop(&mut self) {
        try_docker(&["rm", "-f", DECOY]);
    }
}

async fn docker_cli(args: &[&str]) {
    let out = tokio::process::Command::new("docker")
        .args(args)
        .output()
        .await
        .expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Receives until `done` says so or the deadline passes; everything received is kept in `seen`.
async fn recv_until(
    rx: &mut Receiver<Msg>,
    within: Duration,
    seen: &mut Vec<(Instant, Msg)>,
    mut done: impl FnMut(&Msg) -> bool,
) -> Option<Msg> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(msg)) => {
                seen.push((Instant::now(), msg.clone()));
                if done(&msg) {
                    return Some(msg);
                }
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

fn sample_of(msg: &Msg, source: Source) -> Option<&Sample> {
    match msg {
        Msg::Sample(s) if s.source == source => Some(s),
        _ => None,
    }
}

fn is_container_list(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::Sample(Sample {
            result: Ok(Reading::Containers(_)),
            ..
        })
    )
}

/// Events are sent with the full id.
fn event_for<'a>(msg: &'a Msg, id: &str) -> Option<&'a ContainerEvent> {
    match msg {
        Msg::ContainerEvent(ev) if ev.id == id => Some(ev),
        _ => None,
    }
}

#[test]
fn read_all_once_reads_every_source_of_the_lab() {
    let _lab = LabSession::begin();
    let cfg = config();
    let started = Instant::now();
    let msgs = runtime().block_on(probes::read_all_once(&cfg));
    println!("read_all_once took {:?}", started.elapsed());

    for source in Source::ALL {
        let samples: Vec<&Sample> = msgs.iter().filter_map(|m| sample_of(m, source)).collect();
        assert!(!samples.is_empty(), "no sample from {source:?}");
        for s in samples {
            assert!(s.result.is_ok(), "{source:?}: {:?}", s.result);
        }
    }

    let readings: Vec<&Reading> = msgs
        .iter()
        .filter_map(|m| match m {
            Msg::Sample(Sample { result: Ok(r), .. }) => Some(r),
            _ => None,
        })
        .collect();
    let containers = readings
        .iter()
        .find_map(|r| match r {
            Reading::Containers(c) => Some(c),
            _ => None,
        })
        .expect("a container list");
    let mut services: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    services.sort_unstable();
    let mut expected = SERVICES.to_vec();
    expected.sort_unstable();
    assert_eq!(services, expected);
    for c in containers.iter() {
        assert_eq!(c.state, "running", "{c:?}");
        assert_eq!(c.health.as_deref(), Some("healthy"), "{c:?}");
        assert!(c.name.starts_with("driftdock_"), "{c:?}");
        assert!(c.started_at.is_some(), "{c:?}");
        assert_eq!(c.exit_code, None, "{c:?}");
    }

    let stats = readings
        .iter()
        .find_map(|r| match r {
            Reading::Stats(s) => Some(s),
            _ => None,
        })
        .expect("a stats reading");
    assert_eq!(stats.len(), 7, "{stats:?}");
    for s in stats.iter() {
        let c = containers
            .iter()
            .find(|c| c.id == s.id)
            .expect("stats of a listed container");
        println!(
            "{:<11} cpu {:>6} mem {:>6} MiB rx {:>8} tx {:>8}",
            c.service,
            s.cpu_percent.map_or("-".into(), |p| format!("{p:.2}%")),
            s.mem_bytes / (1 << 20),
            s.net_rx,
            s.net_tx
        );
        assert!(s.mem_bytes > 0, "{s:?}");
        assert!(s.mem_limit >= s.mem_bytes, "{s:?}");
        assert!(s.cpu_percent.is_some_and(|p| p >= 0.0), "{s:?}");
    }

    for r in &readings {
        match r {
            Reading::Traffic(t) => {
                let versions: Vec<&str> = t.iter().map(|v| v.version.as_str()).collect();
                assert_eq!(&versions[..2], ["v1", "v2"]);
            }
            Reading::Canary { percent } => assert!(*percent <= 100),
            _ => {}
        }
    }
    assert!(readings.iter().any(|r| matches!(r, Reading::Queue { .. })));
    assert!(readings.iter().any(|r| matches!(r, Reading::Events { .. })));
}

#[test]
fn a_look_alike_outside_the_project_is_never_seen() {
    let _lab = LabSession::begin();
    let cfg = config();
    let project = cfg.lab.project.clone();
    let worker = full_id("worker");
    let rt = runtime();
    let _decoy_guard;
    let decoy;
    {
        let d = docker::connect(&cfg).unwrap();
        let (tx, mut rx) = channel(1024);
        let watcher = rt.spawn(docker::watch_events(
            d.clone(),
            project.clone(),
            Duration::from_secs(5),
            tx,
        ));
        let mut seen = Vec::new();
        rt.block_on(async {
            recv_until(
                &mut rx,
                Duration::from_secs(10),
                &mut seen,
                is_container_list,
            )
            .await
            .expect("a first container list");
        });
        (_decoy_guard, decoy) = Decoy::start();
        rt.block_on(async {
            docker_cli(&["pause", DECOY]).await;
            docker_cli(&["unpause", DECOY]).await;
            docker_cli(&["kill", "-s", "WINCH", DECOY]).await;
            // A harmless signal to a lab container: its event proves the stream is live and,
            // coming after the decoy's, that none of those was passed on.
            docker_cli(&["kill", "-s", "WINCH", &worker]).await;
            recv_until(&mut rx, Duration::from_secs(10), &mut seen, |m| {
                event_for(m, &worker).is_some_and(|e| e.action == "kill")
            })
            .await
            .expect("the worker's kill event");
        });
        watcher.abort();
        for (_, msg) in &seen {
            match msg {
                Msg::ContainerEvent(ev) => {
                    assert_ne!(ev.id, decoy, "decoy event passed on: {ev:?}");
                    assert!(ev.info.as_ref().is_none_or(|i| i.name != DECOY), "{ev:?}");
                }
                Msg::Sample(Sample {
                    result: Ok(Reading::Containers(list)),
                    ..
                }) => {
                    assert!(list.iter().all(|c| c.id != decoy && c.name != DECOY));
                }
                _ => {}
            }
        }
        println!(
            "{} messages from the watcher, none about the decoy",
            seen.len()
        );

        rt.block_on(async {
            let list = docker::list(&d, &project).await.unwrap();
            assert_eq!(list.len(), 7);
            assert!(list.iter().all(|c| c.id != decoy && c.name != DECOY));
            assert_eq!(docker::inspect(&d, &decoy, &project).await, Ok(None));

            let mut reader = stats::StatsReader::new();
            let Reading::Stats(s) = reader
                .read(&d, &project, Duration::from_secs(2), None)
                .await
                .unwrap()
            else {
                panic!("not stats")
            };
            assert_eq!(s.len(), 7);
            assert!(s.iter().all(|s| s.id != decoy));

            for id in [decoy.clone(), decoy[..12].to_string(), DECOY.to_string()] {
                let (tx, mut rx) = channel(16);
                let h = logs::follow(d.clone(), project.clone(), id.clone(), tx);
                let mut got = Vec::new();
                while let Some(msg) = rx.recv().await {
                    got.push(msg);
                }
                h.await.unwrap();
                assert_eq!(got.len(), 1, "{got:?}");
                let Msg::Logs { lines, .. } = &got[0] else {
                    panic!("{got:?}")
                };
                assert_eq!(lines.len(), 1, "{lines:?}");
                assert!(lines[0].contains("refused"), "{lines:?}");
            }
        });
    }
}

#[test]
fn killing_the_worker_arrives_as_an_event() {
    let _lab = LabSession::begin();
    let cfg = config();
    let worker = full_id("worker");
    let rt = runtime();
    rt.block_on(async {
        let d = docker::connect(&cfg).unwrap();
        let (tx, mut rx) = channel(1024);
        let watcher = tokio::spawn(docker::watch_events(
            d,
            cfg.lab.project.clone(),
            Duration::from_secs(5),
            tx,
        ));
        let mut seen = Vec::new();
        recv_until(
            &mut rx,
            Duration::from_secs(10),
            &mut seen,
            is_container_list,
        )
        .await
        .expect("a first container list");

        let sent = Instant::now();
        docker_cli(&["kill", &worker]).await;
        let killed = Instant::now();
        let msg = recv_until(&mut rx, Duration::from_secs(10), &mut seen, |m| {
            event_for(m, &worker).is_some_and(|e| {
                (e.action == "kill" || e.action == "die")
                    && e.info.as_ref().is_some_and(|i| i.state == "exited")
            })
        })
        .await
        .expect("an event with the worker exited within 10 s");
        let received = chrono::Utc::now();
        let ev = event_for(&msg, &worker).unwrap();
        let info = ev.info.as_ref().unwrap();
        println!(
            "kill → `{}` event with state exited {:?} after the kill command was sent \
             ({:?} after it returned), {} ms after Docker stamped the event (exit code {:?})",
            ev.action,
            sent.elapsed(),
            killed.elapsed(),
            (received - ev.at).num_milliseconds(),
            info.exit_code
        );
        let actions: Vec<(&str, Option<&str>)> = seen
            .iter()
            .filter_map(|(_, m)| event_for(m, &worker))
            .map(|e| (e.action.as_str(), e.info.as_ref().map(|i| i.state.as_str())))
            .collect();
        println!("worker events: {actions:?}");
        assert_eq!(info.service, "worker");
        assert!(info.exit_code.is_some(), "{info:?}");

        let started = Instant::now();
        docker_cli(&["start", &worker]).await;
        let msg = recv_until(&mut rx, Duration::from_secs(60), &mut seen, |m| {
            event_for(m, &worker).is_some_and(|e| {
                e.info
                    .as_ref()
                    .is_some_and(|i| i.state == "running" && i.health.as_deref() == Some("healthy"))
            })
        })
        .await
        .expect("the worker healthy again within 60 s");
        println!(
            "start → `{}` event with the worker healthy after {:?}",
            event_for(&msg, &worker).unwrap().action,
            started.elapsed()
        );
        watcher.abort();
    });
    assert!(wait_healthy(&worker, Duration::from_secs(60)));
}

#[test]
fn a_redis_outage_shows_as_errors_while_other_probes_carry_on() {
    let _lab = LabSession::begin();
    let cfg = config();
    let redis = full_id("redis");
    let rt = runtime();
    rt.block_on(async {
        let d = docker::connect(&cfg).unwrap();
        let (tx, mut rx) = channel(4096);
        let running = probes::spawn_all(&cfg, d, tx);
        let mut seen = Vec::new();
        recv_until(&mut rx, Duration::from_secs(10), &mut seen, |m| {
            sample_of(m, Source::Redis).is_some_and(|s| s.result.is_ok())
        })
        .await
        .expect("a first Redis reading");

        docker_cli(&["stop", "-t", "2", &redis]).await;
        let stopped = Instant::now();
        seen.clear();
        let down = recv_until(&mut rx, Duration::from_secs(15), &mut seen, |m| {
            sample_of(m, Source::Redis).is_some_and(|s| s.result.is_err())
        })
        .await
        .expect("Redis errors within 15 s of the stop");
        let to_error = stopped.elapsed();
        let err = sample_of(&down, Source::Redis)
            .unwrap()
            .result
            .clone()
            .unwrap_err();
        println!("redis stopped → Err after {to_error:?}: {err}");
        assert!(to_error <= cfg.intervals.redis + cfg.timeouts.probe + Duration::from_secs(1));
        assert!(err.chars().count() <= 120 && !err.contains('\n'), "{err}");

        // Keep Redis down long enough for every other source to report at least once.
        let outage = cfg.intervals.prometheus + Duration::from_secs(2);
        let left = outage.saturating_sub(stopped.elapsed());
        recv_until(&mut rx, left, &mut seen, |_| false).await;
        for source in [
            Source::Docker,
            Source::Postgres,
            Source::Prometheus,
            Source::Gateway,
        ] {
            let ok = seen
                .iter()
                .filter(|(_, m)| sample_of(m, source).is_some_and(|s| s.result.is_ok()))
                .count();
            println!("during the outage: {ok} ok samples from {source:?}");
            assert!(ok >= 1, "{source:?} stopped reporting while Redis was down");
        }
        let redis_ok = seen
            .iter()
            .filter(|(_, m)| sample_of(m, Source::Redis).is_some_and(|s| s.result.is_ok()))
            .count();
        assert_eq!(redis_ok, 0, "Redis reported fine while stopped");
        let attempts: Vec<Duration> = seen
            .iter()
            .filter(|(_, m)| sample_of(m, Source::Redis).is_some())
            .map(|(t, _)| t.duration_since(stopped))
            .collect();
        println!("redis attempts while down at {attempts:?} after the stop");

        docker_cli(&["start", &redis]).await;
        let restarted = Instant::now();
        recv_until(&mut rx, Duration::from_secs(30), &mut seen, |m| {
            sample_of(m, Source::Redis).is_some_and(|s| s.result.is_ok())
        })
        .await
        .expect("Redis readings again within 30 s of the start");
        println!(
            "redis started → Ok after {:?} (backoff at most {:?})",
            restarted.elapsed(),
            cfg.timeouts.max_backoff
        );
        assert!(restarted.elapsed() <= cfg.timeouts.max_backoff + Duration::from_secs(5));
        drop(running);
    });
}

#[test]
fn following_api_v1_delivers_its_new_lines() {
    let _lab = LabSession::begin();
    let cfg = config();
    let api = full_id("api-v1");
    let rt = runtime();
    rt.block_on(async {
        let d = docker::connect(&cfg).unwrap();
        let (tx, mut rx) = channel(256);
        let handle = logs::follow(d, cfg.lab.project.clone(), api.clone(), tx);
        let mut seen = Vec::new();
        let first = recv_until(&mut rx, Duration::from_secs(10), &mut seen, |_| true)
            .await
            .expect("the tail of the log");
        let Msg::Logs { container_id, lines } = first else {
            panic!("{first:?}")
        };
        assert_eq!(container_id, api);
        assert!(!lines.is_empty());
        assert!(lines.len() <= 200);
        assert!(
            lines.iter().all(|l| !l.chars().any(char::is_control)),
            "escapes left in {lines:?}"
        );
        // Let the tail drain before the request.
        recv_until(&mut rx, Duration::from_millis(500), &mut seen, |_| false).await;

        // The api logs changes of its fault knob; clearing it is the lab's normal state.
        let sent = Instant::now();
        let resp = reqwest::Client::new()
            .delete(format!("{GATEWAY}/admin/v1/fault"))
            .send()
            .await
            .expect("the gateway");
        assert!(resp.status().is_success(), "{}", resp.status());
        let msg = recv_until(&mut rx, Duration::from_secs(5), &mut seen, |m| {
            matches!(m, Msg::Logs { lines, .. } if lines.iter().any(|l| l.contains("fault cleared")))
        })
        .await
        .expect("the api's log line within 5 s");
        println!("request → log line after {:?}: {msg:?}", sent.elapsed());
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
}
