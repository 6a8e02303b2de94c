//! The words of a tape's lines: tokens, durations, regexes, the `$N` of typed text, and the
//! control-room flags an Args line may give.

use super::tape::Pattern;
use regex::RegexBuilder;
use std::time::Duration;

/// Flags a tape may pass to the control room, and whether each takes a value.
pub const FLAGS: &[(&str, bool)] = &[
    ("--readonly", false),
    ("--keys", false),
    ("--presenter", false),
    ("--palette", true),
    ("--config", true),
    ("--plan", true),
];
#[derive(Clone, Debug, PartialEq)]
pub enum Token {
    Word(String),
    Str(String),
    Re(String),
}

/// Splits a line's arguments: words, "strings" (`\"` and `\\` inside), 'strings', and where
/// `regexes` (Wait, Expect) /regexes/ (`\/` inside).
pub fn tokens(s: &str, regexes: bool) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' || (c == '/' && regexes) {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => {
                        let what = if c == '/' { "regex" } else { "string" };
                        return Err(format!("a closing {c} for the {what} {c}{text}"));
                    }
                    Some(ch) if ch == c => break,
                    Some('\\') if c != '\'' => match chars.next() {
                        Some(n) if n == c => text.push(n),
                        Some('\\') if c == '"' => text.push('\\'),
                        Some(n) => {
                            text.push('\\');
                            text.push(n);
                        }
                        None => text.push('\\'),
                    },
                    Some(ch) => text.push(ch),
                }
            }
            out.push(if c == '/' {
                Token::Re(text)
            } else {
                Token::Str(text)
            });
            continue;
        }
        let mut word = String::new();
        while let Some(&ch) = chars.peek() {
            if ch.is_whitespace() {
                break;
            }
            word.push(ch);
            chars.next();
        }
        out.push(Token::Word(word));
    }
    Ok(out)
}

/// `2s`, `500ms`, `1m30s`, or a plain number of seconds (`0.5`).
pub fn duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("a duration like 2s, 500ms or 1m30s, not `{s}`");
    if let Ok(secs) = s.parse::<f64>() {
        return match Duration::try_from_secs_f64(secs) {
            Ok(d) if secs.is_finite() => Ok(d),
            _ => Err(bad()),
        };
    }
    humantime::parse_duration(s).map_err(|_| bad())
}

pub fn pattern(source: &str) -> Result<Pattern, String> {
    if source.is_empty() {
        return Err("a regex between the slashes, not //".into());
    }
    let regex = RegexBuilder::new(source)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("a valid regex: {}", e.to_string().replace('\n', " ")))?;
    Ok(Pattern {
        source: source.to_string(),
        regex,
    })
}

pub fn text_of(t: &Token) -> &str {
    match t {
        Token::Word(s) | Token::Str(s) | Token::Re(s) => s,
    }
}

/// The highest `$N` in a Type's text; `$$` is a dollar sign.
pub fn highest_group(text: &str) -> usize {
    let mut max = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '$' {
            match chars.next() {
                Some(d @ '1'..='9') => max = max.max(d as usize - '0' as usize),
                _ => continue,
            }
        }
    }
    max
}

/// A Type's text with `$1`–`$9` replaced by the groups of the last match and `$$` by `$`.
pub fn expand(text: &str, groups: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().copied()) {
            ('$', Some('$')) => {
                chars.next();
                out.push('$');
            }
            ('$', Some(d @ '1'..='9')) => {
                chars.next();
                let i = d as usize - '1' as usize;
                out.push_str(groups.get(i).map(String::as_str).unwrap_or(""));
            }
            _ => out.push(c),
        }
    }
    out
}
/// Whether `b` is `a` with one letter changed, left out, added, or two neighbours swapped.
pub fn near(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let diff = |x: &[char], y: &[char]| x.iter().zip(y).filter(|(p, q)| p != q).count();
    match a.len() as isize - b.len() as isize {
        0 => {
            let d = diff(&a, &b);
            d == 1 || (d == 2 && (0..a.len() - 1).any(|i| a[i] == b[i + 1] && a[i + 1] == b[i]))
        }
        1 | -1 => {
            let (long, short) = if a.len() > b.len() {
                (&a, &b)
            } else {
                (&b, &a)
            };
            (0..long.len()).any(|i| {
                let mut l = long.clone();
                l.remove(i);
                l == **short
            })
        }
        _ => false,
    }
}
/// The control-room flags of an Args line, checked against `FLAGS`.
pub fn flags(args: &[Token]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(t) = it.next() {
        let word = text_of(t);
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f, Some(v)),
            None => (word, None),
        };
        let Some(&(_, takes_value)) = FLAGS.iter().find(|(f, _)| *f == flag) else {
            let known: Vec<&str> = FLAGS.iter().map(|(f, _)| *f).collect();
            return Err(format!(
                "control-room flags after Args ({}), not `{word}`{}",
                known.join(", "),
                if word == "--record" || word == "--overwrite" {
                    "; Output names the recording"
                } else {
                    ""
                }
            ));
        };
        out.push(flag.to_string());
        match (takes_value, inline) {
            (true, Some(v)) if !v.is_empty() => out.push(v.to_string()),
            (true, None) => match it.next() {
                Some(v) if !text_of(v).starts_with("--") => out.push(text_of(v).to_string()),
                _ => return Err(format!("a value after {flag}")),
            },
            (true, Some(_)) => return Err(format!("a value after {flag}=")),
            (false, None) => {}
            (false, Some(_)) => return Err(format!("no value after {flag}")),
        }
    }
    Ok(out)
}

/// A line's leading /regex/ (`\/` inside) and what follows it, trimmed.
pub fn split_regex(s: &str) -> Option<(String, &str)> {
    let body = s.trim_start().strip_prefix('/')?;
    let mut re = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '/' => return Some((re, body[i + 1..].trim())),
            '\\' => match chars.next() {
                Some((_, '/')) => re.push('/'),
                Some((_, n)) => {
                    re.push('\\');
                    re.push(n);
                }
                None => re.push('\\'),
            },
            c => re.push(c),
        }
    }
    None
}
