//! Point-in-time restore: the Postgres container is stopped (through the recovery ledger, so
//! it is started again whatever happens), a one-off container of the lab's own mounts the
//! cluster's volumes and replaces the data with the base backup plus a recovery target, and
//! Postgres replays the archived WAL up to the target and promotes. A new base backup follows,
//! on the new timeline.

use super::recovery::{recovery_conf, recovery_conf_immediate, RECOVERY_CONF};
use super::restore::{say, Restored};
use super::stream::{exec_from_file, OnProgress, Ticker};
use super::{pg, Backups};
use crate::app::backup::{Kind, Manifest};
use crate::app::fault::{FaultKind, FaultSpec};
use crate::effects::exec::exec;
use crate::probes::docker::{describe, inspected_is_lab, PROJECT_LABEL};
use bollard::models::{ContainerCreateBody, HostConfig, Mount, MountType};
use bollard::query_parameters::{
    CreateContainerOptions, LogsOptions, RemoveContainerOptions, StartContainerOptions,
    StopContainerOptions,
};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long WAL replay may take before the restore gives up waiting.
const REPLAY_LIMIT: Duration = Duration::from_secs(600);
const HOLD: Duration = Duration::from_secs(30 * 60);

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

struct Postgres {
    image: String,
    pgdata: String,
    mounts: Vec<Mount>,
}

impl Backups {
    async fn inspect_postgres(&self, container: &str) -> Result<Postgres, String> {
        let c = self
            .docker
            .inspect_container(container, None)
            .await
            .map_err(|e| format!("cannot inspect postgres: {}", describe(&e)))?;
        if !inspected_is_lab(&c, &self.project) {
            return Err(format!(
                "{container} is not in the lab; refusing to touch it"
            ));
        }
        let config = c.config.unwrap_or_default();
        let pgdata = config
            .env
            .unwrap_or_default()
            .iter()
            .find_map(|e| e.strip_prefix("PGDATA=").map(str::to_string))
            .unwrap_or_else(|| "/var/lib/postgresql/data".into());
        let mounts = c
            .mounts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| {
                Some(Mount {
                    target: m.destination,
                    source: m.name.or(m.source),
                    typ: Some(match m.typ?.as_str() {
                        "volume" => MountType::VOLUME,
                        _ => MountType::BIND,
                    }),
                    ..Default::default()
                })
            })
            .collect::<Vec<_>>();
        if !mounts
            .iter()
            .any(|m| m.target.as_deref() == Some(pgdata.as_str()))
        {
            return Err(format!(
                "postgres keeps {pgdata} in no volume: a point-in-time restore needs one"
            ));
        }
        Ok(Postgres {
            image: config.image.unwrap_or_default(),
            pgdata,
            mounts,
        })
    }

    /// A stopped-Postgres stand-in that mounts its volumes, labelled into the lab.
    async fn start_helper(&self, pg: &Postgres) -> Result<String, String> {
        let labels = HashMap::from([
            (PROJECT_LABEL.to_string(), self.project.clone()),
            (
                "dev.driftdock.service".to_string(),
                "postgres-restore".to_string(),
            ),
        ]);
        let name = format!("{}-postgres-restore-{}", self.project, std::process::id());
        let created = self
            .docker
            .create_container(
                Some(CreateContainerOptions {
                    name: Some(name),
                    ..Default::default()
                }),
                ContainerCreateBody {
                    image: Some(pg.image.clone()),
                    cmd: Some(strings(&["sleep", "3600"])),
                    labels: Some(labels),
                    network_disabled: Some(true),
                    host_config: Some(HostConfig {
                        mounts: Some(pg.mounts.clone()),
                        auto_remove: Some(false),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| format!("cannot create the restore container: {}", describe(&e)))?;
        if let Err(e) = self
            .docker
            .start_container(&created.id, None::<StartContainerOptions>)
            .await
        {
            self.remove_helper(&created.id).await;
            return Err(format!(
                "cannot start the restore container: {}",
                describe(&e)
            ));
        }
        Ok(created.id)
    }

    async fn remove_helper(&self, id: &str) {
        let _ = self
            .docker
            .remove_container(
                id,
                Some(RemoveContainerOptions {
                    force: true,
                    ..Default::default()
                }),
            )
            .await;
    }

    /// Replaces the cluster's data with `base` and a recovery target, in the helper.
    async fn lay_down(
        &self,
        helper: &str,
        pg: &Postgres,
        base: &Manifest,
        target: DateTime<Utc>,
        on: OnProgress<'_>,
    ) -> Result<(), String> {
        let d = &pg.pgdata;
        let run = |script: String| async move {
            let out = exec(
                &self.docker,
                helper,
                &["sh", "-c", &script],
                Duration::from_secs(300),
            )
            .await?;
            if out.code == 0 {
                Ok(())
            } else {
                Err(out.output)
            }
        };
        run(format!("find {d} -mindepth 1 -delete")).await?;
        let unpack = strings(&[
            "setpriv",
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "tar",
            "-xzf",
            "-",
            "-C",
            d,
        ]);
        let mut ticker = Ticker::new("restore --to", "laying down the base", Some(base.size), on);
        exec_from_file(
            &self.docker,
            helper,
            &unpack,
            &self.store.path_of(&base.file),
            &mut ticker,
        )
        .await?;
        // The recovery settings go in as the script's $0, never through a shell's quoting.
        let conf = recovery_conf(target);
        let script = format!("printf '%s' \"$0\" > {d}/{RECOVERY_CONF}");
        let out = exec(
            &self.docker,
            helper,
            &["sh", "-c", &script, &conf],
            Duration::from_secs(30),
        )
        .await?;
        if out.code != 0 {
            return Err(out.output);
        }
        run(format!(
            "(grep -q '{RECOVERY_CONF}' {d}/postgresql.conf || \
             echo \"include_if_exists = '{RECOVERY_CONF}'\" >> {d}/postgresql.conf) && \
             touch {d}/recovery.signal && rm -f {d}/postmaster.pid && \
             chown -R postgres:postgres {d} && chmod 700 {d}"
        ))
        .await
    }

    async fn last_logs(&self, container: &str) -> String {
        let mut logs = self.docker.logs(
            container,
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                tail: "5".into(),
                ..Default::default()
            }),
        );
        let mut text = String::new();
        while let Some(Ok(part)) = logs.next().await {
            text.push_str(&String::from_utf8_lossy(&part.into_bytes()));
        }
        text.lines().map(str::trim).collect::<Vec<_>>().join(" / ")
    }

    /// Docker's restart count for the container, to see a crash loop between two looks.
    async fn restarts(&self, container: &str) -> Option<i64> {
        let c = self.docker.inspect_container(container, None).await.ok()?;
        c.restart_count
    }

    /// Waits until Postgres has replayed to the target and accepts writes. A server that
    /// stops or restarts (the `unless-stopped` policy brings a failed recovery straight back
    /// into the same failure) has failed.
    async fn wait_promoted(&self, container: &str) -> Result<(), String> {
        let deadline = Instant::now() + REPLAY_LIMIT;
        let first = self.restarts(container).await;
        loop {
            if let Ok(mut conn) = self.target.connect(None).await {
                if matches!(pg::in_recovery(&mut conn).await, Ok(false)) {
                    return Ok(());
                }
            }
            let state = self
                .docker
                .inspect_container(container, None)
                .await
                .ok()
                .and_then(|c| c.state);
            let running = state.as_ref().and_then(|s| s.running).unwrap_or(false);
            let restarting = state.as_ref().and_then(|s| s.restarting).unwrap_or(false);
            if !running || restarting || self.restarts(container).await != first {
                return Err(format!(
                    "postgres could not replay the WAL to the target: {}",
                    self.last_logs(container).await
                ));
            }
            if Instant::now() > deadline {
                return Err("postgres was still replaying the WAL after 10 minutes".into());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// After a failed replay: has the cluster end its recovery at the first consistent point
    /// (on a new timeline, so nothing it archives collides with the old one's segments), then
    /// puts the safety dump back over it: the live database holds what it held before.
    async fn roll_back(
        &self,
        pg: &Postgres,
        container: &str,
        safety: &Manifest,
        on: OnProgress<'_>,
    ) -> Result<(), String> {
        // The container may be in a restart loop, which the label-resolving chaos path does
        // not see as running; it was checked to be the lab's own before the restore began.
        let _ = self
            .docker
            .stop_container(container, None::<StopContainerOptions>)
            .await;
        let d = &pg.pgdata;
        let conf = recovery_conf_immediate();
        let cleared = match self.start_helper(pg).await {
            Ok(helper) => {
                let script = format!(
                    "printf '%s' \"$0\" > {d}/{RECOVERY_CONF} && touch {d}/recovery.signal"
                );
                let r = exec(
                    &self.docker,
                    &helper,
                    &["sh", "-c", &script, &conf],
                    Duration::from_secs(30),
                )
                .await;
                self.remove_helper(&helper).await;
                match r {
                    Ok(out) if out.code == 0 => Ok(()),
                    Ok(out) => Err(out.output),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        self.docker
            .start_container(container, None::<StartContainerOptions>)
            .await
            .map_err(|e| format!("cannot start postgres again: {}", describe(&e)))?;
        cleared?;
        self.wait_promoted(container).await?;
        self.dump_over_live(container, safety, on).await.map(|_| ())
    }

    pub(super) async fn restore_to_locked(
        &self,
        lock: &super::store::Locked,
        base: &Manifest,
        target: DateTime<Utc>,
        on: OnProgress<'_>,
        started: Instant,
    ) -> Result<Restored, String> {
        let container = self.container().await?;
        self.check_sha(base, on)
            .await
            .map_err(|e| format!("restore refused, the live database is untouched: {e}"))?;
        let pg = self.inspect_postgres(&container).await?;
        say(on, "restore --to", "taking a safety backup", started);
        let safety = self
            .create_locked(lock, Kind::Dump, "safety", on)
            .await
            .map_err(|e| format!("restore refused: the safety backup failed: {e}"))?;
        say(on, "restore --to", "pausing writers", started);
        let held = self.quiesce().await?;
        let stop = FaultSpec {
            service: self.service.clone(),
            kind: FaultKind::Stop,
            duration: HOLD,
        };
        let stopped = match self.chaos.inflict(&stop, Some(std::process::id())).await {
            Ok(s) => s,
            Err(e) => {
                self.release(&held).await;
                return Err(format!("cannot stop postgres for the restore: {e}"));
            }
        };
        say(on, "restore --to", "laying down the base backup", started);
        let laid = match self.start_helper(&pg).await {
            Ok(helper) => {
                let r = self.lay_down(&helper, &pg, base, target, on).await;
                self.remove_helper(&helper).await;
                r
            }
            Err(e) => Err(e),
        };
        say(on, "restore --to", "replaying the WAL", started);
        let started_again = self.chaos.undo(&stopped.entry, "restore laid down").await;
        let replayed = match (&laid, started_again) {
            (Err(e), _) => Err(format!(
                "the base could not be laid down ({e}); the safety backup {} holds the data \
                 from before",
                safety.id
            )),
            (Ok(()), Err(e)) => Err(format!("cannot start postgres again: {e}")),
            (Ok(()), Ok(_)) => self.wait_promoted(&stopped.entry.container_id).await,
        };
        let replayed = match replayed {
            Err(e) if laid.is_ok() => {
                say(
                    on,
                    "restore --to",
                    "rolling back to the safety backup",
                    started,
                );
                let back = self
                    .roll_back(&pg, &stopped.entry.container_id, &safety, on)
                    .await;
                Err(match back {
                    Ok(()) => format!(
                        "{e}; rolled back: the database holds what it held before (safety \
                         backup {})",
                        safety.id
                    ),
                    Err(b) => format!(
                        "{e}; the roll-back failed too ({b}): the data from before is in safety \
                         backup {}",
                        safety.id
                    ),
                })
            }
            other => other,
        };
        let result = async {
            replayed?;
            let _ = exec(
                &self.docker,
                &stopped.entry.container_id,
                &["rm", "-f", &format!("{}/{RECOVERY_CONF}", pg.pgdata)],
                Duration::from_secs(10),
            )
            .await;
            let mut conn = self.target.connect(None).await?;
            let tables = pg::tables(&mut conn).await?;
            say(on, "restore --to", "taking a new base backup", started);
            let new_base = self
                .create_locked(lock, Kind::Base, "after-restore", on)
                .await?;
            say(on, "restore --to", "rebuilding the queue", started);
            let requeued = self.requeue().await?;
            Ok::<_, String>((tables, requeued, new_base.id))
        }
        .await;
        say(on, "restore --to", "resuming writers", started);
        let stuck = self.release(&held).await;
        let (tables, requeued, new_base) = result?;
        if !stuck.is_empty() {
            return Err(format!(
                "restored, but could not resume: {}; `driftdock chaos recover` will",
                stuck.join("; ")
            ));
        }
        Ok(Restored {
            id: base.id.clone(),
            safety: safety.id,
            tables,
            requeued,
            took: started.elapsed(),
            target: Some(target),
            new_base: Some(new_base),
        })
    }
}
