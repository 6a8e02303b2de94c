//! How figures are written on screen: short, fixed in shape, readable from the back of a room.

use chrono::Duration;
use ratatui::text::Span;

/// `12s`, `3m04s`, `2h`, `2h05m`, `3d`, `3d04h`; negative ages (clock skew) read as `0s`.
pub fn age(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => match (s / 3600, s % 3600 / 60) {
            (h, 0) => format!("{h}h"),
            (h, m) => format!("{h}h{m:02}m"),
        },
        _ => match (s / 86_400, s % 86_400 / 3600) {
            (d, 0) => format!("{d}d"),
            (d, h) => format!("{d}d{h:02}h"),
        },
    }
}

/// Binary units: `980 B`, `1.5 KiB`, `412 MiB`, `2.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{:.0} {}", v.floor(), UNITS[unit])
    }
}

/// A per-second rate: `0.4/s`, `12.3/s`, `1204/s`.
pub fn rate(r: f64) -> String {
    if r >= 1000.0 {
        format!("{r:.0}/s")
    } else {
        format!("{r:.1}/s")
    }
}

/// A percentage with one decimal: `12.3%`.
pub fn percent(p: f64) -> String {
    format!("{p:.1}%")
}

/// A count with thousands separators: `1,204`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds, without decimals once they stop mattering: `3.2 ms`, `140 ms`.
pub fn millis(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// Cuts `s` to at most `max` cells, ending in `…` when anything was cut. Never splits a
/// character, and counts wide characters as two cells.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let w = width(c.encode_utf8(&mut buf));
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Pads (or cuts) to exactly `cells` cells, left-aligned.
pub fn pad(s: &str, cells: usize) -> String {
    let t = truncate(s, cells);
    let w = width(&t);
    format!("{t}{}", " ".repeat(cells.saturating_sub(w)))
}

/// Pads (or cuts) to exactly `cells` cells, right-aligned.
pub fn pad_left(s: &str, cells: usize) -> String {
    let t = truncate(s, cells);
    let w = width(&t);
    format!("{}{t}", " ".repeat(cells.saturating_sub(w)))
}

/// Text from outside (log lines, error messages) with control characters made harmless: a
/// stray escape sequence must not repaint the screen.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '·',
            c => c,
        })
        .collect()
}

/// Byte ranges of every case-insensitive match of `needle` in `hay`.
pub fn find_all(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let chars: Vec<(usize, char)> = hay.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut lowered = Vec::with_capacity(needle.len());
        let mut j = i;
        while j < chars.len() && lowered.len() < needle.len() {
            lowered.extend(chars[j].1.to_lowercase());
            j += 1;
        }
        if lowered == needle {
            let end = chars.get(j).map_or(hay.len(), |(b, _)| *b);
            out.push((chars[i].0, end));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_short() {
        assert_eq!(age(Duration::seconds(12)), "12s");
        assert_eq!(age(Duration::seconds(184)), "3m04s");
        assert_eq!(age(Duration::seconds(7200)), "2h");
        assert_eq!(age(Duration::seconds(7500)), "2h05m");
        assert_eq!(age(Duration::seconds(-3)), "0s");
        assert_eq!(age(Duration::days(3)), "3d");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(bytes(980), "980 B");
        assert_eq!(bytes(412 * 1024 * 1024 + 5), "412 MiB");
        assert_eq!(bytes(2 * 1024 * 1024 * 1024), "2.0 GiB");
        assert_eq!(bytes(1536), "1.5 KiB");
    }

    #[test]
    fn counts_and_rates() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1204), "1,204");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(rate(12.34), "12.3/s");
        assert_eq!(percent(0.44), "0.4%");
    }

    #[test]
    fn truncation_is_unicode_safe() {
        assert_eq!(truncate("héllo wörld", 6), "héllo…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_left("ab", 4), "  ab");
    }

    #[test]
    fn matches_ignore_case() {
        assert_eq!(
            find_all("an Error and ERROR", "error"),
            vec![(3, 8), (13, 18)]
        );
        assert!(find_all("abc", "").is_empty());
        assert_eq!(find_all("ÄÖ error", "äö"), vec![(0, 4)]);
    }
}
