//! `lab-api`: events in, stats out, metrics and the fault knob.

use crate::fault::Fault;
use crate::metrics::{self, ApiMetrics, RequestLabels, RouteLabels, VersionLabels};
use crate::redis_conn::RedisConn;
use crate::{event, JOBS};
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use sqlx::PgPool;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Api {
    pub version: Arc<str>,
    pub pool: PgPool,
    pub redis: RedisConn,
    pub fault: Arc<RwLock<Fault>>,
    pub metrics: Arc<ApiMetrics>,
}

impl Api {
    fn fault(&self) -> Fault {
        *self.fault.read().unwrap_or_else(|p| p.into_inner())
    }

    fn set_fault(&self, f: Fault) {
        *self.fault.write().unwrap_or_else(|p| p.into_inner()) = f;
        let v = VersionLabels {
            version: self.version.to_string(),
        };
        self.metrics
            .fault_error_rate
            .get_or_create(&v)
            .set(f.error_rate);
        self.metrics
            .fault_latency
            .get_or_create(&v)
            .set(f.extra_latency_ms as f64 / 1000.0);
    }
}

pub fn router(api: Api) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/events", axum::routing::post(create_event))
        .route("/stats", get(stats))
        .route("/metrics", get(metrics_text))
        .route(
            "/admin/fault",
            get(get_fault).put(put_fault).delete(clear_fault),
        )
        .route_layer(middleware::from_fn_with_state(api.clone(), inject_fault))
        .route_layer(middleware::from_fn_with_state(api.clone(), observe))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"error": "no such route"})),
            )
        })
        .layer(middleware::from_fn_with_state(api.clone(), version_header))
        .with_state(api)
}

async fn version_header(State(api): State<Api>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&api.version) {
        resp.headers_mut().insert("x-api-version", v);
    }
    resp
}

async fn observe(State(api): State<Api>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let version = api.version.to_string();
    api.metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
            version: version.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    api.metrics
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: resp.status().as_u16().to_string(),
            version,
        })
        .inc();
    resp
}

/// Only the business routes are faulted: health, metrics and the knob itself stay reachable.
async fn inject_fault(State(api): State<Api>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str());
    let exempt = matches!(route, Some("/health" | "/metrics" | "/admin/fault") | None);
    if !exempt {
        let fault = api.fault();
        if let Some(delay) = fault.delay() {
            tokio::time::sleep(delay).await;
        }
        if fault.fails(rand::random::<f64>()) {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "injected fault"})),
            )
                .into_response();
        }
    }
    next.run(req).await
}

const HEALTH_TIMEOUT: Duration = Duration::from_secs(1);

async fn health(State(api): State<Api>) -> Response {
    let pg = tokio::time::timeout(HEALTH_TIMEOUT, sqlx::query("SELECT 1").execute(&api.pool)).await;
    let pg_ok = matches!(pg, Ok(Ok(_)));
    // The handle bounds the ping itself (reconnect included) and drops a connection that
    // did not answer in time.
    let mut con = api.redis.with_timeout(HEALTH_TIMEOUT);
    let redis_ok = redis::cmd("PING")
        .query_async::<String>(&mut con)
        .await
        .is_ok();
    let status = if pg_ok && redis_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = |ok: bool| if ok { "ok" } else { "down" };
    (
        status,
        Json(json!({
            "status": if status == StatusCode::OK { "ok" } else { "degraded" },
            "version": &*api.version,
            "postgres": word(pg_ok),
            "redis": word(redis_ok),
        })),
    )
        .into_response()
}

fn unavailable(what: &str, err: impl std::fmt::Display) -> Response {
    tracing::warn!("{what}: {err}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": format!("{what} unavailable")})),
    )
        .into_response()
}

async fn create_event(State(api): State<Api>, body: Bytes) -> Response {
    let ev = match event::parse(&body) {
        Ok(ev) => ev,
        Err(bad) => return (StatusCode::BAD_REQUEST, Json(bad)).into_response(),
    };
    // The row is committed before the job is pushed, so a worker never pops an id it cannot see.
    let id: i64 = match sqlx::query_scalar(
        "INSERT INTO events (type, payload, status, attempts, served_by)
         VALUES ($1, $2, 'queued', 0, $3) RETURNING id",
    )
    .bind(&ev.kind)
    .bind(sqlx::types::Json(&ev.payload))
    .bind(&*api.version)
    .fetch_one(&api.pool)
    .await
    {
        Ok(id) => id,
        Err(e) => return unavailable("postgres", e),
    };
    let mut con = api.redis.clone();
    if let Err(e) = redis::cmd("LPUSH")
        .arg(JOBS)
        .arg(id)
        .query_async::<i64>(&mut con)
        .await
    {
        // Without a job the row would sit queued forever: take it back.
        let _ = sqlx::query("DELETE FROM events WHERE id = $1")
            .bind(id)
            .execute(&api.pool)
            .await;
        return unavailable("redis", e);
    }
    api.metrics
        .events_created
        .get_or_create(&VersionLabels {
            version: api.version.to_string(),
        })
        .inc();
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "status": "queued", "served_by": &*api.version})),
    )
        .into_response()
}

async fn stats(State(api): State<Api>) -> Response {
    let rows: Vec<(String, i64)> =
        match sqlx::query_as("SELECT status, count(*) FROM events GROUP BY status")
            .fetch_all(&api.pool)
            .await
        {
            Ok(rows) => rows,
            Err(e) => return unavailable("postgres", e),
        };
    let mut con = api.redis.clone();
    let depths: Result<(i64, i64), _> = crate::queue_depths(&mut con).await;
    let (queue, processing) = match depths {
        Ok(d) => d,
        Err(e) => return unavailable("redis", e),
    };
    let count = |s: &str| rows.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    Json(json!({
        "version": &*api.version,
        "events": {
            "queued": count("queued"),
            "processing": count("processing"),
            "done": count("done"),
            "failed": count("failed"),
        },
        "total": rows.iter().map(|(_, n)| n).sum::<i64>(),
        "queue_depth": queue,
        "processing_depth": processing,
    }))
    .into_response()
}

async fn metrics_text(State(api): State<Api>) -> Response {
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        metrics::render(&api.metrics.registry),
    )
        .into_response()
}

async fn get_fault(State(api): State<Api>) -> Json<Fault> {
    Json(api.fault())
}

async fn put_fault(State(api): State<Api>, body: Bytes) -> Response {
    match api.fault().apply(&body) {
        Ok(next) => {
            api.set_fault(next);
            tracing::info!(
                error_rate = next.error_rate,
                extra_latency_ms = next.extra_latency_ms,
                "fault set"
            );
            Json(next).into_response()
        }
        Err(error) => (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response(),
    }
}

async fn clear_fault(State(api): State<Api>) -> Json<Fault> {
    api.set_fault(Fault::default());
    tracing::info!("fault cleared");
    Json(Fault::default())
}
