//! Demo tapes: scripted keys, waits and expectations played against the real control room
//! in a pseudo-terminal, recorded with its own `--record` (`driftdock demo run FILE.tape`).

pub mod keys;
pub mod run;
mod screen;
mod syntax;
pub mod tape;

use std::fmt;
use tape::Action;

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Action::Type(t) => write!(f, "Type {t:?}"),
            Action::Key { key, count: 1 } => write!(f, "Key {}", key.name()),
            Action::Key { key, count } => write!(f, "Key {} {count}", key.name()),
            Action::Sleep(d) => write!(f, "Sleep {}", humantime::format_duration(*d)),
            Action::Wait { pattern, timeout } => write!(
                f,
                "Wait {pattern} timeout {}",
                humantime::format_duration(*timeout)
            ),
            Action::Expect(p) => write!(f, "Expect {p}"),
            Action::Screenshot(p) => write!(f, "Screenshot {}", p.display()),
            Action::If { pattern, then } => write!(f, "If {pattern} {then}"),
        }
    }
}
