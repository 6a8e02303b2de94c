//! The gateway against the real lab: split, overrides, reloads under traffic.

mod common;

use common::*;
use std::thread;

fn count_v2(n: usize, header: Option<&str>) -> usize {
    let http = client();
    (0..n)
        .filter(|_| {
            let mut req = http.get(format!("{GATEWAY}/health"));
            if let Some(h) = header {
                req = req.header("X-Canary", h);
            }
            let resp = req.send().expect("request through the gateway");
            assert!(
                resp.status().is_success(),
                "health answered {}",
                resp.status()
            );
            version_of(&resp) == "v2"
        })
        .count()
}

#[test]
fn canary_25_sends_a_quarter_of_traffic_to_v2() {
    require_lab();
    let _lab = lab_lock();
    set_canary(25);
    let v2 = count_v2(2000, None);
    set_canary(0);
    let share = v2 as f64 / 2000.0 * 100.0;
    assert!(
        (22.0..=28.0).contains(&share),
        "expected 25% ± 3 of 2000 requests on v2, got {share:.1}% ({v2})"
    );
}

#[test]
fn overrides_win_over_the_split() {
    require_lab();
    let _lab = lab_lock();
    set_canary(50);
    let always = count_v2(100, Some("always"));
    let never = count_v2(100, Some("never"));
    set_canary(0);
    assert_eq!(always, 100, "X-Canary: always must reach v2 every time");
    assert_eq!(never, 0, "X-Canary: never must never reach v2");
}

#[test]
fn split_in_force_is_readable_from_the_gateway() {
    require_lab();
    let _lab = lab_lock();
    set_canary(40);
    let body: serde_json::Value = client()
        .get(format!("{GATEWAY}/gateway/canary"))
        .send()
        .expect("canary read-back")
        .json()
        .expect("json");
    set_canary(0);
    assert_eq!(body["canary_percent"], 40, "read-back: {body}");
}

#[test]
fn ten_reloads_during_concurrent_traffic_fail_no_request() {
    require_lab();
    let _lab = lab_lock();
    let (sent, failed) = traffic_during(|| {
        for step in [10, 20, 30, 40, 50, 60, 70, 80, 90, 0] {
            set_canary(step);
            thread::sleep(std::time::Duration::from_millis(200));
        }
    });
    assert!(sent > 100, "too little traffic to judge: {sent} requests");
    assert_eq!(
        failed, 0,
        "{failed} of {sent} requests failed across 10 reloads"
    );
}

#[test]
fn every_response_names_its_version() {
    require_lab();
    let http = client();
    for path in ["/health", "/stats", "/metrics", "/no-such-route"] {
        let resp = http
            .get(format!("{GATEWAY}{path}"))
            .send()
            .expect("request");
        let v = version_of(&resp);
        assert!(
            v == "v1" || v == "v2",
            "{path} answered X-Api-Version {v:?}"
        );
    }
}
