//! The lab's services ride out Redis and Postgres outages by themselves: after the dependency
//! comes back, both apis report healthy, accept events and the worker resolves them, with no
//! service restarted.

mod common;

use common::*;
use std::thread;
use std::time::{Duration, Instant};

const API_V1: &str = "http://127.0.0.1:8081";
const API_V2: &str = "http://127.0.0.1:8082";
const NETWORK: &str = "driftdock_lab";
const OUTAGE: Duration = Duration::from_secs(5);
const HEALTHY_WITHIN: Duration = Duration::from_secs(20);
const FINAL_WITHIN: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug)]
enum Break {
    Stop,
    Kill,
    Disconnect,
}

/// Ends the outage however the test ends: reconnects the container (with its service name as
/// the DNS alias), starts it and waits for the whole lab to be healthy again.
struct Outage {
    service: &'static str,
    id: String,
    disconnected: bool,
}

impl Outage {
    fn begin(service: &'static str, how: Break) -> Outage {
        let id = container(service);
        let mut outage = Outage {
            service,
            id,
            disconnected: false,
        };
        match how {
            Break::Stop => {
                docker(&["stop", "-t", "10", &outage.id]);
            }
            Break::Kill => {
                docker(&["kill", &outage.id]);
            }
            Break::Disconnect => {
                outage.disconnected = true;
                docker(&["network", "disconnect", NETWORK, &outage.id]);
            }
        }
        outage
    }

    fn end(&mut self) {
        if self.disconnected {
            docker(&[
                "network",
                "connect",
                "--alias",
                self.service,
                NETWORK,
                &self.id,
            ]);
            self.disconnected = false;
        } else {
            docker(&["start", &self.id]);
        }
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if self.disconnected {
            try_docker(&[
                "network",
                "connect",
                "--alias",
                self.service,
                NETWORK,
                &self.id,
            ]);
        }
        if !restore_lab(Duration::from_secs(120)) {
            eprintln!(
                "the lab did not come back healthy after the {} outage",
                self.service
            );
        }
    }
}

/// Short timeouts: during a partition a request may hang, and the test must keep its pace.
fn quick_client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("http client")
}

fn healthy(http: &reqwest::blocking::Client, base: &str) -> bool {
    http.get(format!("{base}/health"))
        .send()
        .ok()
        .filter(|r| r.status().is_success())
        .and_then(|r| r.json::<serde_json::Value>().ok())
        .is_some_and(|body| body["status"] == "ok")
}

fn post_event(http: &reqwest::blocking::Client, canary: &str) -> Option<(u16, i64)> {
    let resp = http
        .post(format!("{GATEWAY}/events"))
        .header("X-Canary", canary)
        .json(&serde_json::json!({"type": "resilience", "payload": {}}))
        .send()
        .ok()?;
    let status = resp.status().as_u16();
    let id = resp
        .json::<serde_json::Value>()
        .ok()
        .and_then(|b| b["id"].as_i64())
        .unwrap_or(0);
    Some((status, id))
}

/// Waits until both apis answer healthy; the time each took, or None for one that did not.
fn wait_apis_healthy(within: Duration) -> [Option<Duration>; 2] {
    let http = quick_client();
    let started = Instant::now();
    let mut at = [None, None];
    while at.iter().any(Option::is_none) && started.elapsed() < within {
        for (slot, base) in at.iter_mut().zip([API_V1, API_V2]) {
            if slot.is_none() && healthy(&http, base) {
                *slot = Some(started.elapsed());
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    at
}

fn wait_final(ids: &[i64], within: Duration) -> bool {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let deadline = Instant::now() + within;
    loop {
        let done: usize = psql(&format!(
            "SELECT count(*) FROM events WHERE id IN ({list}) AND status IN ('done','failed')"
        ))
        .parse()
        .expect("count");
        if done == ids.len() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(250));
    }
}

fn secs(d: Option<Duration>) -> String {
    d.map_or("never".into(), |d| format!("{:.1}s", d.as_secs_f64()))
}

/// One outage of `service`, with traffic during it, then the recovery checks.
fn outage_round(service: &'static str, how: Break) {
    require_lab();
    let _lab = lab_lock();
    let http = quick_client();
    let before = wait_apis_healthy(Duration::from_secs(60));
    assert!(
        before.iter().all(Option::is_some),
        "the apis were not healthy before the {service} {how:?} round: {before:?}"
    );

    let mut outage = Outage::begin(service, how);
    let started = Instant::now();
    let mut sent = 0;
    while started.elapsed() < OUTAGE {
        // Any answer (or none) is fine while the dependency is away.
        healthy(&http, API_V1);
        healthy(&http, API_V2);
        post_event(&http, "never");
        post_event(&http, "always");
        sent += 4;
        thread::sleep(Duration::from_millis(200));
    }
    outage.end();
    let back = Instant::now();

    let [v1, v2] = wait_apis_healthy(HEALTHY_WITHIN);
    assert!(
        v1.is_some() && v2.is_some(),
        "{service} {how:?}: apis not healthy within {HEALTHY_WITHIN:?} (v1 {}, v2 {})",
        secs(v1),
        secs(v2)
    );
    let mut ids = Vec::new();
    for canary in ["never", "always"] {
        let (status, id) = post_event(&http, canary).unwrap_or((0, 0));
        assert_eq!(
            status, 201,
            "{service} {how:?}: POST /events (X-Canary: {canary}) once healthy"
        );
        ids.push(id);
    }
    let posted = back.elapsed();
    assert!(
        wait_final(&ids, FINAL_WITHIN),
        "{service} {how:?}: events {ids:?} not done or failed within {FINAL_WITHIN:?}"
    );
    println!(
        "{service} {how:?} ({sent} requests during {:?}): api-v1 healthy after {}, api-v2 after {}, \
         events accepted after {}, resolved after {}",
        OUTAGE,
        secs(v1),
        secs(v2),
        secs(Some(posted)),
        secs(Some(back.elapsed())),
    );
}

#[test]
fn redis_stop_and_start() {
    outage_round("redis", Break::Stop);
}

#[test]
fn redis_kill_and_start() {
    outage_round("redis", Break::Kill);
}

#[test]
fn redis_network_disconnect_and_reconnect() {
    outage_round("redis", Break::Disconnect);
}

#[test]
fn postgres_stop_and_start() {
    outage_round("postgres", Break::Stop);
}

#[test]
fn postgres_kill_and_start() {
    outage_round("postgres", Break::Kill);
}

#[test]
fn postgres_network_disconnect_and_reconnect() {
    outage_round("postgres", Break::Disconnect);
}
