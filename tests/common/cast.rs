//! Reading a recording back: its header, its events, and the screen its output leaves.

use ratatui::buffer::Buffer;
use std::num::NonZeroU16;

pub struct Parsed {
    pub header: serde_json::Value,
    /// (seconds, code, data)
    pub events: Vec<(f64, String, String)>,
}

/// Parses an asciicast v2 file, checking its shape: a header line, then events whose times
/// never go back.
pub fn parse(text: &str) -> Parsed {
    let mut lines = text.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header line")).expect("a JSON header");
    assert_eq!(header["version"], 2, "{header}");
    assert!(header["width"].as_u64().is_some_and(|w| w > 0), "{header}");
    assert!(header["height"].as_u64().is_some_and(|h| h > 0), "{header}");
    assert!(header["timestamp"].as_i64().is_some(), "{header}");
    assert!(header["env"].is_object(), "{header}");
    let mut events = Vec::new();
    let mut last = 0.0;
    for (i, line) in lines.enumerate() {
        let (t, code, data): (f64, String, String) =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("event {}: {e}: {line}", i + 1));
        assert!(t >= last, "time went back at event {}: {t} < {last}", i + 1);
        assert!(code == "o" || code == "r", "event code {code}");
        last = t;
        events.push((t, code, data));
    }
    Parsed { header, events }
}

fn nz(n: u64) -> NonZeroU16 {
    NonZeroU16::new(n as u16).expect("a size above 0")
}

/// The screen the recording's output leaves, one trimmed line per row.
pub fn final_screen(cast: &Parsed) -> Vec<String> {
    let w = cast.header["width"].as_u64().unwrap();
    let h = cast.header["height"].as_u64().unwrap();
    let mut parser = vt100::Parser::new(nz(h), nz(w), 0);
    for (_, code, data) in &cast.events {
        if code == "r" {
            let (w, h) = data.split_once('x').expect("WxH");
            parser.set_size(nz(h.parse().unwrap()), nz(w.parse().unwrap()));
        } else {
            parser.process(data.as_bytes());
        }
    }
    let (_, cols) = parser.screen().size();
    parser
        .screen()
        .rows(0, cols.get())
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// A buffer's text, one trimmed line per row.
pub fn buffer_lines(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let mut line = String::new();
            for x in 0..area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// A tmux capture's lines, trimmed, padded with empty lines to `height`.
pub fn screen_lines(screen: &str, height: usize) -> Vec<String> {
    let mut lines: Vec<String> = screen.lines().map(|l| l.trim_end().to_string()).collect();
    lines.resize(height, String::new());
    lines
}
