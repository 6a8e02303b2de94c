//! Prometheus metrics of the lab's services (names in stack/README.md).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: String,
    pub status: String,
    pub version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct VersionLabels {
    pub version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LoadLabels {
    pub kind: String,
    pub status: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

fn latency_buckets() -> Histogram {
    // 1 ms .. ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub fn render(registry: &Registry) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, registry);
    out
}

pub struct ApiMetrics {
    pub registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    pub events_created: Family<VersionLabels, Counter>,
    pub fault_error_rate: Family<VersionLabels, FloatGauge>,
    pub fault_latency: Family<VersionLabels, FloatGauge>,
}

impl Default for ApiMetrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::new_with_constructor(latency_buckets as fn() -> Histogram);
        let events_created = Family::<VersionLabels, Counter>::default();
        let fault_error_rate = Family::<VersionLabels, FloatGauge>::default();
        let fault_latency = Family::<VersionLabels, FloatGauge>::default();
        registry.register(
            "lab_http_requests",
            "HTTP requests answered",
            requests.clone(),
        );
        registry.register(
            "lab_http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        registry.register(
            "lab_events_created",
            "Events written and queued",
            events_created.clone(),
        );
        registry.register(
            "lab_fault_error_rate",
            "Injected error share",
            fault_error_rate.clone(),
        );
        registry.register(
            "lab_fault_extra_latency_seconds",
            "Injected extra latency",
            fault_latency.clone(),
        );
        ApiMetrics {
            registry,
            requests,
            latency,
            events_created,
            fault_error_rate,
            fault_latency,
        }
    }
}

pub struct WorkerMetrics {
    pub registry: Registry,
    pub processed: Family<OutcomeLabels, Counter>,
    pub resolution: Histogram,
    pub queue_depth: Gauge,
    pub processing_depth: Gauge,
}

impl Default for WorkerMetrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let processed = Family::<OutcomeLabels, Counter>::default();
        let resolution = Histogram::new(exponential_buckets(0.005, 2.0, 16));
        let queue_depth = Gauge::default();
        let processing_depth = Gauge::default();
        registry.register(
            "lab_jobs_processed",
            "Jobs handled by outcome",
            processed.clone(),
        );
        registry.register(
            "lab_job_resolution_seconds",
            "Time from an event's creation to its final state",
            resolution.clone(),
        );
        registry.register(
            "lab_queue_depth",
            "Jobs waiting in Redis",
            queue_depth.clone(),
        );
        registry.register(
            "lab_processing_depth",
            "Jobs taken by a worker, not finished",
            processing_depth.clone(),
        );
        WorkerMetrics {
            registry,
            processed,
            resolution,
            queue_depth,
            processing_depth,
        }
    }
}

pub struct LoadMetrics {
    pub registry: Registry,
    pub requests: Family<LoadLabels, Counter>,
}

impl Default for LoadMetrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<LoadLabels, Counter>::default();
        registry.register(
            "lab_load_requests",
            "Requests sent by the load generator",
            requests.clone(),
        );
        LoadMetrics { registry, requests }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_with_total_suffix_and_labels() {
        let m = ApiMetrics::default();
        m.requests
            .get_or_create(&RequestLabels {
                route: "/events".into(),
                method: "POST".into(),
                status: "201".into(),
                version: "v2".into(),
            })
            .inc();
        let text = render(&m.registry);
        assert!(
            text.contains(r#"lab_http_requests_total{route="/events",method="POST",status="201",version="v2"} 1"#),
            "{text}"
        );
    }
}
