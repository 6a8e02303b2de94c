//! Docker: the connection, the lab's filter, the container list and the events task.
//!
//! Only containers of the lab's compose project are ever listed, watched or read: the label
//! filter is built in `lab_filters` and nowhere else, and every inspect result is checked again
//! with `is_lab_container`.

use crate::app::msg::{ContainerEvent, ContainerInfo, Msg, Reading, Sample, Source};
use crate::config::Config;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerInspectResponse, EventMessage};
use bollard::query_parameters::{EventsOptions, ListContainersOptions};
use bollard::{ClientVersion, Docker};
use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc::Sender;

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";

/// Seconds bollard waits for a response's headers (streams run on past it).
const REQUEST_TIMEOUT_SECS: u64 = 30;

/// The API version spoken unless `DOCKER_API_VERSION` says otherwise: bollard's default is
/// newer than what Docker 20.10 accepts (1.41), and 1.41 has everything read here.
const API_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// How often the full list is sent even when events flow: a fallback, not the driver.
const RELIST_EVERY: Duration = Duration::from_secs(30);

/// Docker actions that change what the container list shows. Exec events (one per
/// healthcheck) are left out; `health_status` matches all its `health_status: …` forms.
const WATCHED_ACTIONS: &[&str] = &[
    "create",
    "start",
    "restart",
    "die",
    "kill",
    "oom",
    "stop",
    "pause",
    "unpause",
    "rename",
    "update",
    "destroy",
    "health_status",
];

/// Connects to the configured engine: empty → the local socket (or DOCKER_HOST);
/// `unix://…`, `tcp://…` or `http://…` otherwise. Nothing is sent until the first call.
pub fn connect(cfg: &Config) -> Result<Docker, String> {
    let version = api_version(std::env::var("DOCKER_API_VERSION").ok().as_deref());
    let endpoint = cfg.endpoints.docker.trim();
    let host = if endpoint.is_empty() {
        std::env::var("DOCKER_HOST").unwrap_or_default()
    } else {
        endpoint.to_string()
    };
    let result = if host.is_empty() {
        Docker::connect_with_socket("/var/run/docker.sock", REQUEST_TIMEOUT_SECS, &version)
    } else if let Some(path) = host.strip_prefix("unix://") {
        Docker::connect_with_socket(path, REQUEST_TIMEOUT_SECS, &version)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(&host, REQUEST_TIMEOUT_SECS, &version)
    } else if host.starts_with('/') {
        Docker::connect_with_socket(&host, REQUEST_TIMEOUT_SECS, &version)
    } else {
        return Err(format!(
            "unsupported Docker endpoint `{}` (expected unix://, tcp:// or http://)",
            crate::config::redact_str(&host)
        ));
    };
    result.map_err(|e| format!("cannot set up the Docker client: {e}"))
}

/// `1.44` → that version; anything else → the default.
fn api_version(text: Option<&str>) -> ClientVersion {
    text.and_then(|t| {
        let (major, minor) = t.trim().trim_start_matches('v').split_once('.')?;
        Some(ClientVersion {
            major_version: major.parse().ok()?,
            minor_version: minor.parse().ok()?,
        })
    })
    .unwrap_or(API_VERSION)
}

/// THE filter that keeps DriftDock to the lab: the compose project label. Every list, events,
/// stats and logs call goes through it.
pub fn lab_filters(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{PROJECT_LABEL}={project}")],
    )])
}

/// The second check, for results that did not come through a filter (inspect by id).
pub fn is_lab_container(labels: Option<&HashMap<String, String>>, project: &str) -> bool {
    labels
        .and_then(|l| l.get(PROJECT_LABEL))
        .is_some_and(|p| p == project)
}

/// Whether an inspected container belongs to the lab.
pub fn inspected_is_lab(inspect: &ContainerInspectResponse, project: &str) -> bool {
    is_lab_container(
        inspect.config.as_ref().and_then(|c| c.labels.as_ref()),
        project,
    )
}

/// Short, single-line text of a Docker error.
pub fn describe(e: &DockerError) -> String {
    match e {
        DockerError::DockerResponseServerError {
            status_code,
            message,
        } => format!("docker answered {status_code}: {message}"),
        other => format!("docker: {other}"),
    }
}

fn is_not_found(e: &DockerError) -> bool {
    matches!(
        e,
        DockerError::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

/// Ids of the lab's containers, running only or all.
pub async fn lab_ids(
    docker: &Docker,
    project: &str,
    running_only: bool,
) -> Result<Vec<String>, String> {
    let mut filters = lab_filters(project);
    if running_only {
        filters.insert("status".to_string(), vec!["running".to_string()]);
    }
    let list = docker
        .list_containers(Some(ListContainersOptions {
            all: !running_only,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .map_err(|e| describe(&e))?;
    Ok(list
        .into_iter()
        .filter(|c| is_lab_container(c.labels.as_ref(), project))
        .filter_map(|c| c.id)
        .collect())
}

/// Every container of the lab, stopped ones too, inspected for health, restarts, start time
/// and exit code; sorted by service then name.
pub async fn list(docker: &Docker, project: &str) -> Result<Vec<ContainerInfo>, String> {
    let ids = lab_ids(docker, project, false).await?;
    let inspected = join_all(ids.iter().map(|id| inspect(docker, id, project))).await;
    let mut out = Vec::with_capacity(ids.len());
    for result in inspected {
        // A container removed between list and inspect is simply gone.
        if let Some(info) = result? {
            out.push(info);
        }
    }
    out.sort_by(|a, b| (&a.service, &a.name).cmp(&(&b.service, &b.name)));
    Ok(out)
}

/// One lab container as it is now; None when it no longer exists or is not the lab's.
pub async fn inspect(
    docker: &Docker,
    id: &str,
    project: &str,
) -> Result<Option<ContainerInfo>, String> {
    match docker.inspect_container(id, None).await {
        Ok(c) if inspected_is_lab(&c, project) => Ok(Some(info_from_inspect(&c))),
        Ok(_) => Ok(None),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(describe(&e)),
    }
}

/// Docker writes `0001-01-01T00:00:00Z` for "never".
fn parse_time(text: Option<&str>) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(text?)
        .ok()?
        .with_timezone(&Utc);
    (t.timestamp() > 0).then_some(t)
}

pub fn info_from_inspect(c: &ContainerInspectResponse) -> ContainerInfo {
    let state = c.state.as_ref();
    let status = state
        .and_then(|s| s.status)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let health = state
        .and_then(|s| s.health.as_ref())
        .and_then(|h| h.status)
        .map(|h| h.to_string())
        .filter(|h| !h.is_empty() && h != "none");
    let exit_code = match status.as_str() {
        "exited" | "dead" => state.and_then(|s| s.exit_code),
        _ => None,
    };
    let labels = c.config.as_ref().and_then(|cfg| cfg.labels.as_ref());
    ContainerInfo {
        id: c.id.clone().unwrap_or_default(),
        name: c
            .name
            .as_deref()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        service: labels
            .and_then(|l| l.get(SERVICE_LABEL))
            .cloned()
            .unwrap_or_default(),
        state: status,
        health,
        started_at: parse_time(state.and_then(|s| s.started_at.as_deref())),
        restarts: c.restart_count.unwrap_or(0).max(0) as u64,
        exit_code,
    }
}

/// Lists the lab and sends it as one sample; false when the channel is closed.
async fn send_list(docker: &Docker, project: &str, tx: &Sender<Msg>) -> Result<bool, String> {
    let result = list(docker, project).await;
    let sample = match &result {
        Ok(list) => Sample::ok(Utc::now(), Reading::Containers(list.clone())),
        Err(e) => Sample::err(Source::Docker, Utc::now(), super::runner::short_error(e)),
    };
    if tx.send(Msg::Sample(sample)).await.is_err() {
        return Ok(false);
    }
    result.map(|_| true)
}

fn event_time(ev: &EventMessage) -> DateTime<Utc> {
    ev.time_nano
        .map(DateTime::from_timestamp_nanos)
        .or_else(|| ev.time.and_then(|s| DateTime::from_timestamp(s, 0)))
        .unwrap_or_else(Utc::now)
}

/// Turns one Docker event into a ContainerEvent, inspecting the container right after it.
/// None for events this task does not pass on.
async fn container_event(
    docker: &Docker,
    project: &str,
    ev: &EventMessage,
) -> Option<Result<ContainerEvent, String>> {
    let action = ev.action.clone()?;
    if action.starts_with("exec_") {
        return None;
    }
    let actor = ev.actor.as_ref()?;
    // The engine filtered on the label already; check again before passing anything on.
    if !is_lab_container(actor.attributes.as_ref(), project) {
        return None;
    }
    let id = actor.id.clone()?;
    let info = if action == "destroy" {
        Ok(None)
    } else {
        inspect(docker, &id, project).await
    };
    Some(info.map(|info| ContainerEvent {
        at: event_time(ev),
        id,
        action,
        info,
    }))
}

/// Watches the lab through Docker's events: a full list at start, after every resubscription
/// and every 30 s; a `ContainerEvent` for each change in between. Runs until `tx` closes.
pub async fn watch_events(docker: Docker, project: String, max_backoff: Duration, tx: Sender<Msg>) {
    let mut failures: u32 = 0;
    loop {
        // Events since just before the list are replayed, so nothing falls between the two.
        let since = (Utc::now().timestamp() - 1).to_string();
        match send_list(&docker, &project, &tx).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(_) => {
                failures += 1;
                tokio::time::sleep(super::runner::backoff(
                    Duration::from_secs(1),
                    max_backoff,
                    failures,
                ))
                .await;
                continue;
            }
        }
        let mut filters = lab_filters(&project);
        filters.insert("type".to_string(), vec!["container".to_string()]);
        filters.insert(
            "event".to_string(),
            WATCHED_ACTIONS.iter().map(|a| a.to_string()).collect(),
        );
        let mut stream = docker.events(Some(EventsOptions {
            since: Some(since),
            until: None,
            filters: Some(filters),
        }));
        let mut relist =
            tokio::time::interval_at(tokio::time::Instant::now() + RELIST_EVERY, RELIST_EVERY);
        let why = loop {
            tokio::select! {
                next = stream.next() => match next {
                    Some(Ok(ev)) => {
                        failures = 0;
                        let msg = match container_event(&docker, &project, &ev).await {
                            None => continue,
                            Some(Ok(event)) => Msg::ContainerEvent(event),
                            Some(Err(e)) => Msg::Sample(Sample::err(
                                Source::Docker,
                                Utc::now(),
                                super::runner::short_error(&e),
                            )),
                        };
                        if tx.send(msg).await.is_err() {
                            return;
                        }
                    }
                    Some(Err(e)) => break format!("event stream broke: {}", describe(&e)),
                    None => break "event stream ended".to_string(),
                },
                _ = relist.tick() => match send_list(&docker, &project, &tx).await {
                    Ok(true) | Err(_) => {}
                    Ok(false) => return,
                },
                _ = tx.closed() => return,
            }
        };
        failures += 1;
        let sample = Sample::err(Source::Docker, Utc::now(), super::runner::short_error(&why));
        if tx.send(Msg::Sample(sample)).await.is_err() {
            return;
        }
        tokio::time::sleep(super::runner::backoff(
            Duration::from_secs(1),
            max_backoff,
            failures,
        ))
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_is_the_project_label() {
        let f = lab_filters("driftdock");
        assert_eq!(f.len(), 1);
        assert_eq!(f["label"], vec!["com.docker.compose.project=driftdock"]);
    }

    #[test]
    fn only_the_exact_project_is_the_lab() {
        let labels = |p: &str| HashMap::from([(PROJECT_LABEL.to_string(), p.to_string())]);
        assert!(is_lab_container(Some(&labels("driftdock")), "driftdock"));
        assert!(!is_lab_container(
            Some(&labels("driftdock-decoy")),
            "driftdock"
        ));
        assert!(!is_lab_container(Some(&HashMap::new()), "driftdock"));
        assert!(!is_lab_container(None, "driftdock"));
    }

    #[test]
    fn api_version_from_the_environment() {
        assert_eq!(api_version(Some("1.44")).minor_version, 44);
        assert_eq!(api_version(Some("junk")).minor_version, 41);
        assert_eq!(api_version(None).minor_version, 41);
    }

    #[test]
    fn never_is_no_time() {
        assert_eq!(parse_time(Some("0001-01-01T00:00:00Z")), None);
        assert!(parse_time(Some("2026-01-02T03:04:05.123456789Z")).is_some());
    }
}
