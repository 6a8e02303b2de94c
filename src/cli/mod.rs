pub mod backup;
pub mod canary;
pub mod chaos;
pub mod demo;
pub mod drill;
pub mod lab;
pub mod load;
pub mod replay;
pub mod status;
pub mod tui;

/// Writes a command's output; a reader that went away (`| head`) is not an error.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
