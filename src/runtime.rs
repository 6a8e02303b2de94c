//! The loop: terminal input, probes, effects and a clock feed one channel; `update` runs on
//! each message, commands become tasks, and the screen is drawn at most ~30 times a second and
//! only when something changed.

use crate::app::{update, Command, Msg, State};
use crate::config::Config;
use crate::effects::{self, canary};
use crate::probes;
use crate::record::audit::{self, AuditLog};
use crate::terminal::TerminalGuard;
use crate::ui;
use anyhow::Result;
use bollard::Docker;
use chrono::Utc;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc::{self, Sender};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(33);
/// Messages handled before a frame is drawn, so a burst cannot starve the screen.
const BATCH: usize = 256;

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub readonly: bool,
    pub monochrome: bool,
}

/// A State for this config with nothing measured yet.
pub fn initial_state(config: &Config, readonly: bool) -> State {
    let intervals = config
        .source_intervals()
        .map(|d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::seconds(1)));
    let mut state = State::new(
        config.lab.name.clone(),
        config.lab.project.clone(),
        Utc::now(),
        intervals,
    );
    state.readonly = readonly;
    state.canary.step = config.canary.step;
    state.thresholds.error_ratio = config.thresholds.error_ratio;
    state.thresholds.p95_ms = config.thresholds.p95_ms;
    state.thresholds.queue_depth = config.thresholds.queue_depth;
    state
}

/// What effects need to reach the lab.
struct Effects {
    docker: Docker,
    http: reqwest::Client,
    config: Config,
    audit: AuditLog,
    tx: Sender<Msg>,
    logs: Option<JoinHandle<()>>,
}

impl Effects {
    fn run(&mut self, cmd: Command) {
        match cmd {
            Command::FollowLogs(id) => {
                if let Some(h) = self.logs.take() {
                    h.abort();
                }
                if let Some(id) = id {
                    self.logs = Some(probes::logs::follow(
                        self.docker.clone(),
                        self.config.lab.project.clone(),
                        id,
                        self.tx.clone(),
                    ));
                }
            }
            Command::SetCanary { from, to } => {
                let (docker, http, tx, audit) = (
                    self.docker.clone(),
                    self.http.clone(),
                    self.tx.clone(),
                    self.audit.clone(),
                );
                let project = self.config.lab.project.clone();
                let gateway = self.config.endpoints.gateway.expose().to_string();
                tokio::spawn(async move {
                    let name = "canary";
                    effects::report(&tx, name, crate::app::msg::EffectOutcome::Started).await;
                    let target = canary::CanaryTarget {
                        docker: &docker,
                        http: &http,
                        project: &project,
                        gateway_url: &gateway,
                        audit: &audit,
                    };
                    let outcome = match canary::set(&target, to).await {
                        Ok(p) => crate::app::msg::EffectOutcome::Done(match from {
                            Some(f) => format!("canary {f}% → {p}%"),
                            None => format!("canary set to {p}%"),
                        }),
                        Err(e) => crate::app::msg::EffectOutcome::Failed(e),
                    };
                    effects::report(&tx, name, outcome).await;
                    // The gateway probe would see it within its interval; read it now.
                    if let Ok(p) = canary::read_applied(&http, &gateway).await {
                        let _ = tx
                            .send(Msg::Sample(crate::app::Sample::ok(
                                Utc::now(),
                                crate::app::Reading::Canary { percent: p },
                            )))
                            .await;
                    }
                });
            }
        }
    }
}

impl Drop for Effects {
    fn drop(&mut self) {
        if let Some(h) = self.logs.take() {
            h.abort();
        }
    }
}

fn spawn_input(tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let msg = match ev {
                // Release and repeat events (kitty protocol) would double every key.
                Ok(Event::Key(key)) if key.kind == KeyEventKind::Press => Msg::Key(key),
                Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
    })
}

/// One Tick at each wall-clock second, so the clock and the ages move together.
fn spawn_clock(tx: Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let to_next = 1000 - now.timestamp_subsec_millis().min(999) as u64;
            tokio::time::sleep(Duration::from_millis(to_next)).await;
            if tx.send(Msg::Tick(Utc::now())).await.is_err() {
                break;
            }
        }
    })
}

pub async fn run(config: Config, opts: Options) -> Result<()> {
    let docker = probes::docker::connect(&config).map_err(anyhow::Error::msg)?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .build()?;
    let (tx, mut rx) = mpsc::channel::<Msg>(4096);
    let mut state = initial_state(&config, opts.readonly);
    let theme = ui::Theme::for_no_color(opts.monochrome);

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    state.size = (size.width, size.height);

    let _probes = probes::spawn_all(&config, docker.clone(), tx.clone());
    let input = spawn_input(tx.clone());
    let clock = spawn_clock(tx.clone());
    let mut effects = Effects {
        docker,
        http,
        audit: AuditLog::new(audit::default_path(), "tui"),
        config,
        tx: tx.clone(),
        logs: None,
    };
    drop(tx);

    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    loop {
        if dirty && last_draw.elapsed() >= FRAME {
            guard
                .terminal
                .draw(|frame| ui::view_with(&state, frame, &theme))?;
            last_draw = Instant::now();
            dirty = false;
        }
        let next_frame = last_draw + FRAME;
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                let mut handled = 0;
                let mut next = Some(msg);
                while let Some(msg) = next.take() {
                    for cmd in update(&mut state, msg) {
                        effects.run(cmd);
                    }
                    handled += 1;
                    if handled < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_frame), if dirty => {}
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
        }
        if state.quit {
            break;
        }
    }
    input.abort();
    clock.abort();
    drop(effects);
    drop(guard);
    Ok(())
}
