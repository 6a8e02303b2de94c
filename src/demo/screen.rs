//! The terminal side of a run: answering the control room's questions to its terminal, and
//! reading what the screen says.

use pty_process::blocking::Pty;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

use super::run::lock;

/// The terminal's question for the cursor's place, which the control room asks as it starts.
const ASK_CURSOR: &[u8] = b"\x1b[6n";

/// Draws `bytes` on the screen and answers each cursor question in them as a terminal would,
/// with the place the output before it left the cursor. `tail` keeps the end of the last
/// read, for a question cut in two.
pub(super) fn feed(pty: &Pty, parser: &Mutex<vt100::Parser>, tail: &mut Vec<u8>, bytes: &[u8]) {
    let mut p = lock(parser);
    let mut rest = bytes;
    loop {
        let joined: Vec<u8> = tail.iter().chain(rest.iter()).copied().collect();
        let Some(at) = joined
            .windows(ASK_CURSOR.len())
            .position(|w| w == ASK_CURSOR)
        else {
            break;
        };
        let end = at + ASK_CURSOR.len() - tail.len();
        p.process(&rest[..end]);
        rest = &rest[end..];
        tail.clear();
        let (row, col) = p.screen().cursor_position();
        let _ = write!(&*pty, "\x1b[{};{}R", row + 1, col + 1);
    }
    p.process(rest);
    let keep = ASK_CURSOR.len() - 1;
    let mut joined = std::mem::take(tail);
    joined.extend_from_slice(rest);
    *tail = joined[joined.len().saturating_sub(keep)..].to_vec();
}

/// Whether the backups panel shows an operation's gauge: `▶ restore to 07:22:37 · replaying`.
pub(super) fn backup_running(screen: &str) -> bool {
    static GAUGE: OnceLock<regex::Regex> = OnceLock::new();
    GAUGE
        .get_or_init(|| {
            regex::Regex::new(r"▶ (base backup|backup|verify \S+|restore \S+|restore to \S+) · ")
                .expect("a valid regex")
        })
        .is_match(screen)
}
