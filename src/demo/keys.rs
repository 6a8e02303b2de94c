//! The keys a tape can press, and the bytes a terminal sends for them (xterm's, which is what
//! crossterm reads back).

/// A key, by the name a tape gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Enter,
    Esc,
    Tab,
    BackTab,
    Space,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    /// Ctrl with a letter: `Ctrl+C`.
    Ctrl(char),
    /// One printable character: `Key q`.
    Char(char),
}

/// The names, as a tape writes them (and as an error lists them).
pub const NAMES: &[(&str, Key)] = &[
    ("Enter", Key::Enter),
    ("Esc", Key::Esc),
    ("Escape", Key::Esc),
    ("Tab", Key::Tab),
    ("BackTab", Key::BackTab),
    ("Shift+Tab", Key::BackTab),
    ("Space", Key::Space),
    ("Backspace", Key::Backspace),
    ("Delete", Key::Delete),
    ("Up", Key::Up),
    ("Down", Key::Down),
    ("Left", Key::Left),
    ("Right", Key::Right),
    ("Home", Key::Home),
    ("End", Key::End),
    ("PageUp", Key::PageUp),
    ("PageDown", Key::PageDown),
];

impl Key {
    /// A key's name: one of `NAMES`, `Ctrl+LETTER`, or a single printable character.
    pub fn parse(name: &str) -> Option<Key> {
        if let Some((_, k)) = NAMES.iter().find(|(n, _)| *n == name) {
            return Some(*k);
        }
        if let Some(rest) = name.strip_prefix("Ctrl+") {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => {
                    Some(Key::Ctrl(c.to_ascii_uppercase()))
                }
                _ => None,
            };
        }
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => Some(Key::Char(c)),
            _ => None,
        }
    }

    /// Whether `word` names a key when it stands alone as a command (`Enter`, `Down 3`,
    /// `Ctrl+C`), as VHS writes them. A single character does not: `Key q` says that.
    pub fn is_command(word: &str) -> bool {
        NAMES.iter().any(|(n, _)| *n == word) || word.starts_with("Ctrl+")
    }

    /// The key's name as a tape writes it.
    pub fn name(self) -> String {
        match self {
            Key::Ctrl(c) => format!("Ctrl+{c}"),
            Key::Char(c) => c.to_string(),
            k => NAMES
                .iter()
                .find(|(_, n)| *n == k)
                .map_or_else(String::new, |(name, _)| name.to_string()),
        }
    }

    /// What the terminal sends when the key is pressed.
    pub fn bytes(self) -> Vec<u8> {
        let s: &[u8] = match self {
            Key::Enter => b"\r",
            Key::Esc => b"\x1b",
            Key::Tab => b"\t",
            Key::BackTab => b"\x1b[Z",
            Key::Space => b" ",
            Key::Backspace => b"\x7f",
            Key::Delete => b"\x1b[3~",
            Key::Up => b"\x1b[A",
            Key::Down => b"\x1b[B",
            Key::Right => b"\x1b[C",
            Key::Left => b"\x1b[D",
            Key::Home => b"\x1b[H",
            Key::End => b"\x1b[F",
            Key::PageUp => b"\x1b[5~",
            Key::PageDown => b"\x1b[6~",
            Key::Ctrl(c) => return vec![(c.to_ascii_uppercase() as u8) & 0x1f],
            Key::Char(c) => return c.to_string().into_bytes(),
        };
        s.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_bytes() {
        assert_eq!(Key::parse("Enter").unwrap().bytes(), b"\r");
        assert_eq!(Key::parse("Ctrl+C").unwrap().bytes(), [3]);
        assert_eq!(Key::parse("Ctrl+c").unwrap().bytes(), [3]);
        assert_eq!(Key::parse("Down").unwrap().bytes(), b"\x1b[B");
        assert_eq!(Key::parse("q"), Some(Key::Char('q')));
        assert_eq!(Key::parse("→").unwrap().bytes(), "→".as_bytes());
        assert_eq!(Key::parse("Ctrl+1"), None);
        assert_eq!(Key::parse("Ctrl+"), None);
        assert_eq!(Key::parse("enter"), None);
        assert_eq!(Key::parse(""), None);
        for name in ["Enter", "Esc", "Shift+Tab", "PageDown", "Ctrl+C", "q"] {
            let key = Key::parse(name).unwrap();
            assert_eq!(Key::parse(&key.name()), Some(key), "{name}");
        }
        assert!(Key::is_command("Ctrl+C") && Key::is_command("Esc") && !Key::is_command("q"));
    }
}
