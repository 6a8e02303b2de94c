//! Prometheus scrapes every lab service with service and version labels.

mod common;

use common::*;
use std::time::{Duration, Instant};

fn targets() -> Vec<serde_json::Value> {
    let body: serde_json::Value = client()
        .get(format!("{PROMETHEUS}/api/v1/targets?state=active"))
        .send()
        .expect("prometheus targets")
        .json()
        .expect("json");
    body["data"]["activeTargets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn every_target_is_up_with_service_and_version_labels() {
    require_lab();
    let load_running = std::process::Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            "label=com.docker.compose.project=driftdock",
            "--filter",
            "label=com.docker.compose.service=load",
        ])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    // A fresh lab may not have scraped everything yet.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ts: Vec<_> = targets()
            .into_iter()
            .filter(|t| load_running || t["labels"]["service"] != "load")
            .collect();
        let down: Vec<String> = ts
            .iter()
            .filter(|t| t["health"] != "up")
            .map(|t| format!("{} ({})", t["scrapeUrl"], t["lastError"]))
            .collect();
        let services: Vec<&str> = ts
            .iter()
            .filter_map(|t| t["labels"]["service"].as_str())
            .collect();
        if down.is_empty() && !ts.is_empty() {
            for needed in ["api", "worker", "prometheus"] {
                assert!(
                    services.contains(&needed),
                    "no {needed} target in {services:?}"
                );
            }
            let versions: Vec<&str> = ts
                .iter()
                .filter(|t| t["labels"]["service"] == "api")
                .filter_map(|t| t["labels"]["version"].as_str())
                .collect();
            assert!(
                versions.contains(&"v1") && versions.contains(&"v2"),
                "{versions:?}"
            );
            return;
        }
        assert!(Instant::now() < deadline, "targets down: {down:?}");
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn per_version_request_rate_is_answerable() {
    require_lab();
    let http = client();
    for _ in 0..50 {
        http.get(format!("{GATEWAY}/stats"))
            .header("X-Canary", "always")
            .send()
            .expect("traffic");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body: serde_json::Value = http
            .get(format!("{PROMETHEUS}/api/v1/query"))
            .query(&[(
                "query",
                "sum by (version) (increase(lab_http_requests_total{service=\"api\"}[1m]))",
            )])
            .send()
            .expect("query")
            .json()
            .expect("json");
        let v2: f64 = body["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["metric"]["version"] == "v2")
            .filter_map(|r| r["value"][1].as_str()?.parse::<f64>().ok())
            .sum();
        if v2 > 0.0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no v2 request rate in Prometheus: {body}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}
