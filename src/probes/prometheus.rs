//! Prometheus: per-version request rate, 5xx ratio and p95 latency of the api service.

use crate::app::msg::{Reading, VersionTraffic};
use serde_json::Value;
use std::collections::BTreeMap;

/// The versions always reported, with no traffic as 0 req/s.
pub const VERSIONS: [&str; 2] = ["v1", "v2"];

/// Requests users make: health checks, scrapes and the fault knob are left out.
const SELECTOR: &str = r#"service="api",route!~"/health|/metrics|/admin.*""#;

pub fn rps_query() -> String {
    rps_query_over("1m")
}

pub fn errors_query() -> String {
    errors_query_over("1m")
}

pub fn p95_query() -> String {
    p95_query_over("1m")
}

fn rps_query_over(window: &str) -> String {
    format!("sum by (version) (rate(lab_http_requests_total{{{SELECTOR}}}[{window}]))")
}

fn errors_query_over(window: &str) -> String {
    format!(
        "sum by (version) (rate(lab_http_requests_total{{{SELECTOR},status=~\"5..\"}}[{window}]))"
    )
}

fn p95_query_over(window: &str) -> String {
    format!(
        "histogram_quantile(0.95, sum by (version, le) \
         (rate(lab_http_request_duration_seconds_bucket{{{SELECTOR}}}[{window}])))"
    )
}

/// The load generator's requests per second, every kind and status.
pub fn load_query(window: &str) -> String {
    format!("sum(rate(lab_load_requests_total[{window}]))")
}

async fn query(
    http: &reqwest::Client,
    base: &str,
    promql: &str,
) -> Result<BTreeMap<String, f64>, String> {
    let url = format!("{}/api/v1/query", base.trim_end_matches('/'));
    let resp = http
        .get(&url)
        .query(&[("query", promql)])
        .send()
        .await
        .map_err(|e| format!("prometheus: {}", super::gateway::describe(e)))?;
    let status = resp.status();
    let body: Value = resp.json().await.map_err(|e| {
        format!(
            "prometheus answered {status}, not JSON: {}",
            super::gateway::describe(e)
        )
    })?;
    parse_vector(&body)
}

/// An instant-vector answer as value by `version`; NaN and infinite values (a quantile with
/// no traffic) are left out.
pub fn parse_vector(body: &Value) -> Result<BTreeMap<String, f64>, String> {
    if body["status"] != "success" {
        let err = body["error"].as_str().unwrap_or("no error text");
        return Err(format!("prometheus: query failed: {err}"));
    }
    let result = body["data"]["result"]
        .as_array()
        .ok_or("prometheus: answer without data.result")?;
    let mut out = BTreeMap::new();
    for series in result {
        let Some(version) = series["metric"]["version"].as_str() else {
            continue;
        };
        let value = series["value"][1]
            .as_str()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite());
        if let Some(v) = value {
            out.insert(version.to_string(), v);
        }
    }
    Ok(out)
}

/// Puts the three answers together, v1 and v2 always present.
pub fn traffic(
    rps: &BTreeMap<String, f64>,
    errors: &BTreeMap<String, f64>,
    p95_seconds: &BTreeMap<String, f64>,
) -> Vec<VersionTraffic> {
    let mut versions: Vec<String> = VERSIONS.iter().map(|v| v.to_string()).collect();
    for v in rps.keys() {
        if !versions.contains(v) {
            versions.push(v.clone());
        }
    }
    versions
        .into_iter()
        .map(|version| {
            let r = rps.get(&version).copied().unwrap_or(0.0);
            let error_ratio = (r > 0.0)
                .then(|| (errors.get(&version).copied().unwrap_or(0.0) / r).clamp(0.0, 1.0));
            VersionTraffic {
                rps: r,
                error_ratio,
                p95_ms: p95_seconds.get(&version).map(|s| s * 1000.0),
                version,
            }
        })
        .collect()
}

/// The first value of an instant vector, 0 when it is empty (nothing matched: no traffic).
pub fn parse_sum(body: &Value) -> Result<f64, String> {
    if body["status"] != "success" {
        let err = body["error"].as_str().unwrap_or("no error text");
        return Err(format!("prometheus: query failed: {err}"));
    }
    let result = body["data"]["result"]
        .as_array()
        .ok_or("prometheus: answer without data.result")?;
    Ok(result
        .first()
        .and_then(|s| s["value"][1].as_str())
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .unwrap_or(0.0))
}

async fn query_sum(http: &reqwest::Client, base: &str, promql: &str) -> Result<f64, String> {
    let url = format!("{}/api/v1/query", base.trim_end_matches('/'));
    let body: Value = http
        .get(&url)
        .query(&[("query", promql)])
        .send()
        .await
        .map_err(|e| format!("prometheus: {}", super::gateway::describe(e)))?
        .json()
        .await
        .map_err(|e| format!("prometheus: not JSON: {}", super::gateway::describe(e)))?;
    parse_sum(&body)
}

/// The canary guard's figures: per-version traffic over a short window (Prometheus scrapes
/// every 5 s, so 30 s holds six points), and the load generator's rate.
pub async fn read_guard(
    http: &reqwest::Client,
    base: &str,
    window: std::time::Duration,
) -> Result<Reading, String> {
    let w = format!("{}s", window.as_secs().max(10));
    let (q_rps, q_errors, q_p95, q_load) = (
        rps_query_over(&w),
        errors_query_over(&w),
        p95_query_over(&w),
        load_query(&w),
    );
    let (rps, errors, p95, load_rps) = futures_util::try_join!(
        query(http, base, &q_rps),
        query(http, base, &q_errors),
        query(http, base, &q_p95),
        query_sum(http, base, &q_load),
    )?;
    Ok(Reading::Guard {
        window_secs: window.as_secs().max(10),
        versions: traffic(&rps, &errors, &p95),
        load_rps,
    })
}

pub async fn read(http: &reqwest::Client, base: &str) -> Result<Reading, String> {
    let (q_rps, q_errors, q_p95) = (rps_query(), errors_query(), p95_query());
    let (rps, errors, p95) = futures_util::try_join!(
        query(http, base, &q_rps),
        query(http, base, &q_errors),
        query(http, base, &q_p95),
    )?;
    Ok(Reading::Traffic(traffic(&rps, &errors, &p95)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vector(points: &[(&str, &str)]) -> Value {
        let result: Vec<Value> = points
            .iter()
            .map(|(v, x)| json!({"metric": {"version": v}, "value": [1796396489.149, x]}))
            .collect();
        json!({"status": "success", "data": {"resultType": "vector", "result": result}})
    }

    #[test]
    fn a_vector_is_read_by_version_without_nan() {
        let m = parse_vector(&vector(&[("v1", "2.5"), ("v2", "NaN"), ("v3", "+Inf")])).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m["v1"], 2.5);
        let err = parse_vector(&json!({"status": "error", "error": "parse error at char 3"}));
        assert_eq!(
            err,
            Err("prometheus: query failed: parse error at char 3".to_string())
        );
    }

    #[test]
    fn both_versions_are_always_reported() {
        let rps = parse_vector(&vector(&[("v1", "4")])).unwrap();
        let errors = parse_vector(&vector(&[("v1", "1")])).unwrap();
        let p95 = parse_vector(&vector(&[("v1", "0.25")])).unwrap();
        let t = traffic(&rps, &errors, &p95);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].version, "v1");
        assert_eq!(t[0].rps, 4.0);
        assert_eq!(t[0].error_ratio, Some(0.25));
        assert_eq!(t[0].p95_ms, Some(250.0));
        assert_eq!(t[1].version, "v2");
        assert_eq!(t[1].rps, 0.0);
        assert_eq!(t[1].error_ratio, None);
        assert_eq!(t[1].p95_ms, None);
    }

    #[test]
    fn a_sum_is_its_first_value_or_zero() {
        assert_eq!(parse_sum(&vector(&[("v1", "7.5")])), Ok(7.5));
        assert_eq!(parse_sum(&vector(&[])), Ok(0.0));
        assert!(parse_sum(&json!({"status": "error"})).is_err());
    }

    #[test]
    fn queries_leave_out_health_metrics_and_admin() {
        for q in [
            rps_query(),
            errors_query(),
            p95_query(),
            rps_query_over("30s"),
            errors_query_over("30s"),
            p95_query_over("30s"),
        ] {
            assert!(q.contains(r#"route!~"/health|/metrics|/admin.*""#), "{q}");
            assert!(q.contains("by (version"), "{q}");
        }
    }
}
