//! Running a command inside a lab container through the Docker API.

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::Docker;
use futures_util::StreamExt;
use std::time::Duration;

/// Output and exit code of one command run in a container.
#[derive(Debug)]
pub struct ExecOutput {
    pub code: i64,
    pub output: String,
}

/// Runs `cmd` in the container and waits for it, at most `timeout`.
pub async fn exec(
    docker: &Docker,
    container: &str,
    cmd: &[&str],
    timeout: Duration,
) -> Result<ExecOutput, String> {
    let run = async {
        let created = docker
            .create_exec(
                container,
                CreateExecOptions {
                    cmd: Some(cmd.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
                    attach_stdout: Some(true),
                    attach_stderr: Some(true),
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| format!("cannot exec in the container: {e}"))?;
        let mut output = String::new();
        if let StartExecResults::Attached {
            output: mut out, ..
        } = docker
            .start_exec(&created.id, None)
            .await
            .map_err(|e| format!("cannot start exec: {e}"))?
        {
            while let Some(chunk) = out.next().await {
                match chunk {
                    Ok(part) => output.push_str(&String::from_utf8_lossy(&part.into_bytes())),
                    Err(e) => return Err(format!("exec output broke off: {e}")),
                }
            }
        }
        let inspect = docker
            .inspect_exec(&created.id)
            .await
            .map_err(|e| format!("cannot inspect exec: {e}"))?;
        Ok(ExecOutput {
            code: inspect.exit_code.unwrap_or(-1),
            output: output.trim().to_string(),
        })
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| format!("`{}` took longer than {timeout:?}", cmd.join(" ")))?
}

/// Starts `cmd` in the container and returns without waiting for it (stress-ng, which ends by
/// its own timeout or is killed by the undo).
pub async fn spawn_detached(
    docker: &Docker,
    container: &str,
    cmd: &[String],
) -> Result<(), String> {
    let created = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(cmd.to_vec()),
                attach_stdout: Some(false),
                attach_stderr: Some(false),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("cannot exec in the container: {e}"))?;
    docker
        .start_exec(
            &created.id,
            Some(bollard::exec::StartExecOptions {
                detach: true,
                ..Default::default()
            }),
        )
        .await
        .map_err(|e| format!("cannot start `{}`: {e}", cmd.join(" ")))?;
    // A command that cannot start at all (bad flag) dies at once: look once to say so.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let inspect = docker
        .inspect_exec(&created.id)
        .await
        .map_err(|e| format!("cannot inspect exec: {e}"))?;
    match (inspect.running, inspect.exit_code) {
        (Some(false), Some(code)) if code != 0 => {
            Err(format!("`{}` exited at once with {code}", cmd.join(" ")))
        }
        _ => Ok(()),
    }
}
