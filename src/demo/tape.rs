//! A demo tape: settings, then the steps that drive the control room (VHS's syntax where it
//! has one). Parsing is pure and never panics; every error names its line.
//!
//! ```text
//! Output tour.cast          # the recording (default: the tape's name with .cast)
//! Set Width 120             # the terminal, 40–400 × 10–200 (default 120 × 40)
//! Set Height 40
//! Set TypingSpeed 50ms      # between keys (default 50ms)
//! Set WaitTimeout 15s       # a Wait's default timeout
//! Set Env NO_COLOR=1        # for driftdock's environment
//! Args --readonly --keys    # control-room flags for driftdock
//! Type ":canary 25"         # characters; `$1`–`$9` are the last Wait's or Expect's groups
//! Key Enter                 # a key, `Key Down 3` three times; `Enter`, `Ctrl+C` alone too
//! Sleep 2s
//! Wait /canary +25%/ timeout 30s    # until the screen matches (also `Wait@30s /re/`)
//! Expect /applied/          # the screen matches now, or the tape fails here
//! Screenshot tour.txt       # the screen's text to a file
//! If /load \d/ Key L        # a step played only when the screen matches
//! Cleanup                   # the steps after it are played however the ones above ended
//! ```

use super::keys::{self, Key};
pub use super::syntax::{duration, expand, FLAGS};
use super::syntax::{flags, highest_group, near, pattern, split_regex, text_of, tokens, Token};
use regex::Regex;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Tape {
    pub output: Option<PathBuf>,
    pub width: u16,
    pub height: u16,
    pub typing_speed: Duration,
    pub wait_timeout: Duration,
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub steps: Vec<Step>,
    /// The steps after `Cleanup`: played however the steps before ended.
    pub cleanup: Vec<Step>,
}

#[derive(Clone, Debug)]
pub struct Step {
    /// 1-based, for messages.
    pub line: usize,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
    Type(String),
    Key {
        key: Key,
        count: u32,
    },
    Sleep(Duration),
    Wait {
        pattern: Pattern,
        timeout: Duration,
    },
    Expect(Pattern),
    Screenshot(PathBuf),
    /// A step played only when the screen matches: `If /load \d/ Key L`.
    If {
        pattern: Pattern,
        then: Box<Action>,
    },
}

/// A regular expression as the tape wrote it.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub source: String,
    pub regex: Regex,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "/{}/", self.source.replace('/', "\\/"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeError {
    pub line: usize,
    pub message: String,
}

const COMMANDS: &[&str] = &[
    "If",
    "Cleanup",
    "Output",
    "Set",
    "Args",
    "Type",
    "Key",
    "Sleep",
    "Wait",
    "Expect",
    "Screenshot",
];
const MAX_SLEEP: Duration = Duration::from_secs(600);
const MAX_WAIT: Duration = Duration::from_secs(1800);

impl Default for Tape {
    fn default() -> Self {
        Tape {
            output: None,
            width: 120,
            height: 40,
            typing_speed: Duration::from_millis(50),
            wait_timeout: Duration::from_secs(15),
            env: Vec::new(),
            args: Vec::new(),
            steps: Vec::new(),
            cleanup: Vec::new(),
        }
    }
}

struct Parser {
    tape: Tape,
    errors: Vec<TapeError>,
    first_step: Option<usize>,
    output_at: Option<usize>,
    args_at: Option<usize>,
    cleanup_at: Option<usize>,
    /// The line and group count of the last Wait or Expect.
    last_pattern: Option<(usize, usize)>,
}

/// Parses a tape; on failure, every error found, in line order.
pub fn parse(text: &str) -> Result<Tape, Vec<TapeError>> {
    let mut p = Parser {
        tape: Tape::default(),
        errors: Vec::new(),
        first_step: None,
        output_at: None,
        args_at: None,
        cleanup_at: None,
        last_pattern: None,
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(message) = p.line(i + 1, line) {
            p.errors.push(TapeError {
                line: i + 1,
                message,
            });
        }
    }
    if p.errors.is_empty() {
        Ok(p.tape)
    } else {
        Err(p.errors)
    }
}

impl Parser {
    fn line(&mut self, n: usize, line: &str) -> Result<(), String> {
        let (command, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (command, at) = match command.split_once('@') {
            Some((c, d)) if c == "Wait" => (c, Some(duration(d)?)),
            _ => (command, None),
        };
        let args = tokens(rest, matches!(command, "Wait" | "Expect"))?;
        if matches!(command, "Output" | "Set" | "Args") {
            if let Some(first) = self.first_step {
                return Err(format!(
                    "`{command}` before the first step (line {first}), with the settings"
                ));
            }
            return self.setting(n, command, &args);
        }
        if command == "Cleanup" {
            if let Some(first) = self.cleanup_at {
                return Err(format!("one Cleanup (the first is on line {first})"));
            }
            if !args.is_empty() {
                return Err("nothing after Cleanup: the steps follow on lines of their own".into());
            }
            self.cleanup_at = Some(n);
            self.first_step.get_or_insert(n);
            return Ok(());
        }
        let action = if command == "If" {
            self.condition(n, rest)?
        } else {
            self.action(n, command, at, &args)?
        };
        self.first_step.get_or_insert(n);
        let step = Step { line: n, action };
        match self.cleanup_at {
            Some(_) => self.tape.cleanup.push(step),
            None => self.tape.steps.push(step),
        }
        Ok(())
    }

    /// `If /regex/ STEP`: the step, played when the screen matches.
    fn condition(&mut self, n: usize, rest: &str) -> Result<Action, String> {
        let usage = "`If /regex/ STEP`, e.g. `If /load \\d/ Key L`";
        let (re, step) = split_regex(rest).ok_or(usage)?;
        let pattern = pattern(&re)?;
        let (command, args) = step.split_once(char::is_whitespace).unwrap_or((step, ""));
        if matches!(command, "" | "If" | "Cleanup" | "Output" | "Set" | "Args") {
            return Err(usage.into());
        }
        let args = tokens(args, matches!(command, "Wait" | "Expect"))?;
        let then = Box::new(self.action(n, command, None, &args)?);
        Ok(Action::If { pattern, then })
    }

    fn setting(&mut self, n: usize, command: &str, args: &[Token]) -> Result<(), String> {
        match command {
            "Output" => {
                if let Some(first) = self.output_at {
                    return Err(format!("one Output (the first is on line {first})"));
                }
                let [path] = args else {
                    return Err("one path after Output: `Output tour.cast`".into());
                };
                let path = text_of(path);
                if !path.ends_with(".cast") || path.len() <= 5 {
                    return Err(format!("a .cast file after Output, not `{path}`"));
                }
                self.output_at = Some(n);
                self.tape.output = Some(PathBuf::from(path));
            }
            "Args" => {
                if let Some(first) = self.args_at {
                    return Err(format!("one Args line (the first is on line {first})"));
                }
                self.args_at = Some(n);
                self.tape.args = flags(args)?;
            }
            _ => self.set(args)?,
        }
        Ok(())
    }

    fn set(&mut self, args: &[Token]) -> Result<(), String> {
        let usage = "`Set Width N`, `Set Height N`, `Set TypingSpeed D`, `Set WaitTimeout D` or \
                     `Set Env KEY=VALUE`";
        let (name, value) = match args {
            [Token::Word(name), value] => (name.as_str(), text_of(value)),
            _ => return Err(usage.into()),
        };
        let number = |lo: u16, hi: u16| match value.parse::<u16>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => Err(format!("{name} from {lo} to {hi}, not `{value}`")),
        };
        match name {
            "Width" => self.tape.width = number(40, 400)?,
            "Height" => self.tape.height = number(10, 200)?,
            "TypingSpeed" => match duration(value)? {
                d if d <= Duration::from_secs(1) => self.tape.typing_speed = d,
                _ => return Err("a TypingSpeed of at most 1s".into()),
            },
            "WaitTimeout" => self.tape.wait_timeout = wait_timeout(value)?,
            "Env" => {
                let (key, val) = value
                    .split_once('=')
                    .ok_or_else(|| format!("KEY=VALUE after Set Env, not `{value}`"))?;
                let ok = key.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
                    && key
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !ok {
                    return Err(format!("an environment name like NO_COLOR, not `{key}`"));
                }
                self.tape.env.push((key.to_string(), val.to_string()));
            }
            _ => return Err(format!("{usage}; `{name}` is not a setting")),
        }
        Ok(())
    }

    fn action(
        &mut self,
        n: usize,
        command: &str,
        at: Option<Duration>,
        args: &[Token],
    ) -> Result<Action, String> {
        Ok(match command {
            "Type" => {
                let [Token::Str(text)] = args else {
                    return Err("one quoted string after Type: `Type \":canary 25\"`".into());
                };
                if text.is_empty() || text.chars().count() > 1000 {
                    return Err("a text of 1 to 1000 characters after Type".into());
                }
                let want = highest_group(text);
                match self.last_pattern {
                    _ if want == 0 => {}
                    None => {
                        return Err(format!(
                            "a Wait or Expect with a group before `${want}` is typed"
                        ))
                    }
                    Some((line, groups)) if groups < want => {
                        return Err(format!(
                            "a group for `${want}`; the Wait or Expect on line {line} has {groups}"
                        ))
                    }
                    Some(_) => {}
                }
                Action::Type(text.clone())
            }
            "Key" => match args {
                [Token::Word(name), count @ ..] => key(name, count)?,
                _ => return Err(key_usage()),
            },
            "Sleep" => match args {
                [Token::Word(d)] => match duration(d)? {
                    d if d <= MAX_SLEEP => Action::Sleep(d),
                    _ => return Err("a Sleep of at most 10m".into()),
                },
                _ => return Err("one duration after Sleep: `Sleep 2s`".into()),
            },
            "Wait" | "Expect" => {
                let (re, rest) = match args {
                    [Token::Re(re), rest @ ..] => (re, rest),
                    _ => return Err(format!("a /regex/ after {command}: `{command} /ready/`")),
                };
                let pattern = pattern(re)?;
                self.last_pattern = Some((n, pattern.regex.captures_len() - 1));
                if command == "Expect" {
                    if !rest.is_empty() {
                        return Err("nothing after Expect's /regex/".into());
                    }
                    return Ok(Action::Expect(pattern));
                }
                let timeout = match (rest, at) {
                    ([], at) => at.unwrap_or(self.tape.wait_timeout),
                    ([Token::Word(t), Token::Word(d)], None) if t == "timeout" => wait_timeout(d)?,
                    _ => return Err("`Wait /regex/` or `Wait /regex/ timeout 30s`".into()),
                };
                Action::Wait { pattern, timeout }
            }
            "Screenshot" => match args {
                [p] if text_of(p).ends_with(".txt") && text_of(p).len() > 4 => {
                    Action::Screenshot(PathBuf::from(text_of(p)))
                }
                _ => return Err("one .txt file after Screenshot: `Screenshot tour.txt`".into()),
            },
            "Hide" | "Show" => {
                return Err(format!(
                    "a command this runner has; `{command}` is not one: the cast is what \
                     driftdock drew, all of it"
                ))
            }
            c if Key::is_command(c) => key(c, args)?,
            c => {
                let hint = COMMANDS
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(c) || near(k, c))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "a command: {}, or a key name{hint}; not `{c}`",
                    COMMANDS.join(", ")
                ));
            }
        })
    }
}

fn key_usage() -> String {
    let names: Vec<&str> = keys::NAMES.iter().map(|(n, _)| *n).collect();
    format!(
        "a key after Key: {}, Ctrl+LETTER or one character, then an optional count",
        names.join(", ")
    )
}

fn key(name: &str, count: &[Token]) -> Result<Action, String> {
    let key = Key::parse(name).ok_or_else(key_usage)?;
    let count = match count {
        [] => 1,
        [Token::Word(c)] => match c.parse::<u32>() {
            Ok(c) if (1..=100).contains(&c) => c,
            _ => return Err(format!("a count from 1 to 100 after the key, not `{c}`")),
        },
        _ => return Err(key_usage()),
    };
    Ok(Action::Key { key, count })
}

fn wait_timeout(s: &str) -> Result<Duration, String> {
    match duration(s)? {
        d if d.is_zero() || d > MAX_WAIT => Err("a wait timeout above 0 and at most 30m".into()),
        d => Ok(d),
    }
}

#[cfg(test)]
#[path = "tape_tests.rs"]
mod tests;
