//! Events through the real gateway, api, Redis, worker and Postgres.

mod common;

use common::*;
use std::thread;
use std::time::{Duration, Instant};

fn post_event(http: &reqwest::blocking::Client, body: &str) -> reqwest::blocking::Response {
    http.post(format!("{GATEWAY}/events"))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .expect("POST /events")
}

fn event_count() -> i64 {
    psql("SELECT count(*) FROM events").parse().expect("count")
}

/// Waits until every id is done or failed; returns how many are final.
fn wait_final(ids: &[i64], within: Duration) -> i64 {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let deadline = Instant::now() + within;
    loop {
        let final_rows: i64 = psql(&format!(
            "SELECT count(*) FROM events WHERE id IN ({list}) AND status IN ('done','failed')"
        ))
        .parse()
        .expect("count");
        if final_rows == ids.len() as i64 || Instant::now() > deadline {
            return final_rows;
        }
        thread::sleep(Duration::from_millis(500));
    }
}

fn post_many(n: usize) -> Vec<i64> {
    let http = client();
    (0..n)
        .map(|i| {
            let resp = post_event(
                &http,
                &format!(r#"{{"type":"signup","payload":{{"user":"u{i}"}}}}"#),
            );
            assert_eq!(resp.status().as_u16(), 201, "POST /events");
            let body: serde_json::Value = resp.json().expect("json");
            assert_eq!(body["status"], "queued");
            body["id"].as_i64().expect("numeric id")
        })
        .collect()
}

#[test]
fn five_hundred_events_all_resolve_across_a_worker_restart() {
    require_lab();
    let _lab = lab_lock();
    let mut ids = post_many(250);
    docker(&["restart", "-t", "2", &container("worker")]);
    ids.extend(post_many(250));
    let final_rows = wait_final(&ids, Duration::from_secs(120));
    assert_eq!(
        final_rows,
        500,
        "{} of 500 events lost or stuck",
        500 - final_rows
    );
    let rows: i64 = psql(&format!(
        "SELECT count(*) FROM events WHERE id BETWEEN {} AND {}",
        ids[0],
        ids[ids.len() - 1]
    ))
    .parse()
    .expect("count");
    assert!(rows >= 500, "rows missing: {rows}");
}

#[test]
fn malformed_requests_get_400_and_write_nothing() {
    require_lab();
    let _lab = lab_lock();
    let http = client();
    let before = event_count();
    for (body, field) in [
        ("{not json", None),
        (r#"{"payload":{"a":1}}"#, Some("type")),
        (r#"{"type":"","payload":{}}"#, Some("type")),
        (r#"{"type":42}"#, Some("type")),
        (r#"{"type":"x","payload":[1,2]}"#, Some("payload")),
    ] {
        let resp = post_event(&http, body);
        assert_eq!(resp.status().as_u16(), 400, "body {body:?}");
        let err: serde_json::Value = resp.json().expect("a JSON error body");
        assert!(
            err["error"].is_string(),
            "error message for {body:?}: {err}"
        );
        if let Some(field) = field {
            assert_eq!(err["field"], field, "field named for {body:?}");
        }
    }
    assert_eq!(event_count(), before, "a rejected request wrote a row");
}

#[test]
fn stats_count_events_by_status_and_queue_depth() {
    require_lab();
    let stats: serde_json::Value = client()
        .get(format!("{GATEWAY}/stats"))
        .send()
        .expect("stats")
        .json()
        .expect("json");
    for key in ["queued", "processing", "done", "failed"] {
        assert!(stats["events"][key].is_i64(), "events.{key} in {stats}");
    }
    assert!(stats["queue_depth"].is_i64(), "queue_depth in {stats}");
    let total: i64 = ["queued", "processing", "done", "failed"]
        .iter()
        .map(|k| stats["events"][k].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        stats["total"].as_i64(),
        Some(total),
        "total = sum of states"
    );
}

#[test]
fn fault_knob_makes_v2_bad_and_good_again() {
    require_lab();
    let _lab = lab_lock();
    let http = client();
    let put = http
        .put(format!("{GATEWAY}/admin/v2/fault"))
        .json(&serde_json::json!({"error_rate": 1.0, "extra_latency_ms": 0}))
        .send()
        .expect("PUT fault");
    assert!(put.status().is_success(), "PUT fault: {}", put.status());
    let bad = (0..20)
        .filter(|_| {
            let r = http
                .get(format!("{GATEWAY}/stats"))
                .header("X-Canary", "always")
                .send()
                .expect("request");
            r.status().as_u16() == 500
        })
        .count();
    let v1_ok = http
        .get(format!("{GATEWAY}/stats"))
        .header("X-Canary", "never")
        .send()
        .expect("request")
        .status()
        .is_success();
    http.delete(format!("{GATEWAY}/admin/v2/fault"))
        .send()
        .expect("DELETE fault");
    let healed = http
        .get(format!("{GATEWAY}/stats"))
        .header("X-Canary", "always")
        .send()
        .expect("request")
        .status()
        .is_success();
    assert_eq!(bad, 20, "error_rate 1.0 must fail every v2 request");
    assert!(v1_ok, "v1 must stay healthy while v2 is faulted");
    assert!(healed, "v2 must recover once the fault is cleared");
}

#[test]
fn bad_fault_settings_are_refused() {
    require_lab();
    let resp = client()
        .put(format!("{GATEWAY}/admin/v1/fault"))
        .json(&serde_json::json!({"error_rate": 3.0}))
        .send()
        .expect("PUT fault");
    assert_eq!(resp.status().as_u16(), 400);
}
