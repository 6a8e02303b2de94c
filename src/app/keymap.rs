//! The one table of keys. The footer, the `?` overlay and the README's key table are all made
//! from `KEYMAP`; a test fails when the README drifts from it.

use super::chaos::ChaosIntent;
use super::state::Panel;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPanel,
    PrevPanel,
    FocusPanel(usize),
    Filter,
    CommandLine,
    Help,
    Back,
    Quit,
    ToggleFollow,
    CanaryStepUp,
    CanaryStepDown,
    /// Type a split and Enter.
    CanarySplit,
    CanaryPlan,
    CanaryPause,
    CanaryPromote,
    CanaryAbort,
    LoadToggle,
    Chaos(ChaosIntent),
    /// Take a backup of this kind.
    Backup(super::backup::Kind),
    BackupVerify,
    BackupRestore,
    /// Type a time to restore to.
    BackupRestoreTo,
    /// The keystroke overlay on/off.
    ToggleKeys,
    /// The presenter theme on/off.
    TogglePresenter,
    /// The drill panel on/off.
    DrillPanel,
    DrillStart,
    DrillPause,
    DrillAbort,
}

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    Panel(Panel),
}

#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written on screen and in the README.
    pub label: &'static str,
    pub intent: Intent,
    pub help: &'static str,
    pub scope: Scope,
    /// Refused under `--readonly`.
    pub changes_lab: bool,
    /// Shown in the footer (the rest only in `?`).
    pub footer: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn b(
    keys: &'static [(KeyCode, KeyModifiers)],
    label: &'static str,
    intent: Intent,
    help: &'static str,
    scope: Scope,
    changes_lab: bool,
    footer: bool,
) -> Binding {
    Binding {
        keys,
        label,
        intent,
        help,
        scope,
        changes_lab,
        footer,
    }
}

use Intent as I;
use Scope::Global as G;

// One binding per line reads as the table it is.
#[rustfmt::skip]
pub const KEYMAP: &[Binding] = &[
    b(&[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)], "↑/k", I::Up, "move up", G, false, true),
    b(&[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)], "↓/j", I::Down, "move down", G, false, true),
    b(&[(KeyCode::PageUp, NONE)], "PgUp", I::PageUp, "page up", G, false, false),
    b(&[(KeyCode::PageDown, NONE)], "PgDn", I::PageDown, "page down", G, false, false),
    b(&[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)], "Home/g", I::Top, "first row", G, false, false),
    b(&[(KeyCode::End, NONE), (KeyCode::Char('G'), SHIFT), (KeyCode::Char('G'), NONE)], "End/G", I::Bottom, "last row (logs: follow)", G, false, false),
    b(&[(KeyCode::Tab, NONE)], "Tab", I::NextPanel, "next panel", G, false, true),
    b(&[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)], "S-Tab", I::PrevPanel, "previous panel", G, false, false),
    b(&[(KeyCode::Char('1'), NONE)], "1", I::FocusPanel(0), "containers", G, false, false),
    b(&[(KeyCode::Char('2'), NONE)], "2", I::FocusPanel(1), "logs", G, false, false),
    b(&[(KeyCode::Char('3'), NONE)], "3", I::FocusPanel(2), "queue", G, false, false),
    b(&[(KeyCode::Char('4'), NONE)], "4", I::FocusPanel(3), "events", G, false, false),
    b(&[(KeyCode::Char('5'), NONE)], "5", I::FocusPanel(4), "traffic", G, false, false),
    b(&[(KeyCode::Char('6'), NONE)], "6", I::FocusPanel(5), "canary", G, false, false),
    b(&[(KeyCode::Char('7'), NONE)], "7", I::FocusPanel(6), "backups", G, false, false),
    b(&[(KeyCode::Char('/'), NONE)], "/", I::Filter, "filter containers or logs", G, false, true),
    b(&[(KeyCode::Char(':'), NONE), (KeyCode::Char(':'), SHIFT)], ":", I::CommandLine, "command line (Tab completes)", G, false, true),
    b(&[(KeyCode::Char('?'), NONE), (KeyCode::Char('?'), SHIFT)], "?", I::Help, "help", G, false, true),
    b(&[(KeyCode::Esc, NONE)], "Esc", I::Back, "back, clear filter", G, false, false),
    b(&[(KeyCode::Char('f'), NONE)], "f", I::ToggleFollow, "follow logs on/off", Scope::Panel(Panel::Logs), false, true),
    b(&[(KeyCode::Char('+'), NONE), (KeyCode::Char('+'), SHIFT), (KeyCode::Char('='), NONE)], "+", I::CanaryStepUp, "canary +step", Scope::Panel(Panel::Canary), true, true),
    b(&[(KeyCode::Char('-'), NONE)], "-", I::CanaryStepDown, "canary −step", Scope::Panel(Panel::Canary), true, true),
    b(&[(KeyCode::Char('q'), NONE), (KeyCode::Char('c'), KeyModifiers::CONTROL)], "q", I::Quit, "quit", G, false, true),
    // The canary panel lists these itself; the footer has no room left for them at 80 columns.
    b(&[(KeyCode::Char('s'), NONE)], "s", I::CanarySplit, "set the split: type 0–100", Scope::Panel(Panel::Canary), true, false),
    b(&[(KeyCode::Char('p'), NONE)], "p", I::CanaryPlan, "run the plan (guarded)", Scope::Panel(Panel::Canary), true, false),
    b(&[(KeyCode::Char(' '), NONE)], "Space", I::CanaryPause, "pause / resume the plan", Scope::Panel(Panel::Canary), true, false),
    b(&[(KeyCode::Char('P'), SHIFT), (KeyCode::Char('P'), NONE)], "P", I::CanaryPromote, "promote v2 to 100%", Scope::Panel(Panel::Canary), true, false),
    b(&[(KeyCode::Char('a'), NONE)], "a", I::CanaryAbort, "abort to 0% (v1 only)", Scope::Panel(Panel::Canary), true, false),
    b(&[(KeyCode::Char('L'), SHIFT), (KeyCode::Char('L'), NONE)], "L", I::LoadToggle, "load generator on/off", G, true, false),
    // Chaos on the selected container, each undone at its deadline (`[chaos] duration`).
    b(&[(KeyCode::Char('K'), SHIFT), (KeyCode::Char('K'), NONE)], "K", I::Chaos(C::Kill), "chaos: kill (SIGKILL)", CO, true, false),
    b(&[(KeyCode::Char('z'), NONE)], "z", I::Chaos(C::Pause), "chaos: pause", CO, true, false),
    b(&[(KeyCode::Char('S'), SHIFT), (KeyCode::Char('S'), NONE)], "S", I::Chaos(C::Stop), "chaos: stop", CO, true, false),
    b(&[(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)], "R", I::Chaos(C::Restart), "chaos: restart", CO, true, false),
    b(&[(KeyCode::Char('N'), SHIFT), (KeyCode::Char('N'), NONE)], "N", I::Chaos(C::Partition), "chaos: cut off the lab network", CO, true, false),
    b(&[(KeyCode::Char('D'), SHIFT), (KeyCode::Char('D'), NONE)], "D", I::Chaos(C::Latency), "chaos: 300ms ±50ms latency (netem)", CO, true, false),
    b(&[(KeyCode::Char('C'), SHIFT), (KeyCode::Char('C'), NONE)], "C", I::Chaos(C::Stress), "chaos: stress 2 cpu, 256M", CO, true, false),
    b(&[(KeyCode::Char('!'), SHIFT), (KeyCode::Char('!'), NONE)], "!", I::Chaos(C::Random), "chaos: kill a random critical service", CO, true, false),
    b(&[(KeyCode::Char('X'), SHIFT), (KeyCode::Char('X'), NONE)], "X", I::Chaos(C::StopAll), "emergency stop: undo every fault", G, true, false),
    // Backups of the lab's Postgres; a restore asks for the backup's id to be typed back.
    b(&[(KeyCode::Char('b'), NONE)], "b", I::Backup(K::Dump), "backup: pg_dump now", BK, true, true),
    b(&[(KeyCode::Char('B'), SHIFT), (KeyCode::Char('B'), NONE)], "B", I::Backup(K::Base), "backup: base backup (for restore to a time)", BK, true, false),
    b(&[(KeyCode::Char('v'), NONE)], "v", I::BackupVerify, "verify: checksum + real restore to scratch", BK, true, true),
    b(&[(KeyCode::Char('r'), NONE)], "r", I::BackupRestore, "restore the selected dump (type its id)", BK, true, true),
    b(&[(KeyCode::Char('t'), NONE)], "t", I::BackupRestoreTo, "restore to a point in time (type a time)", BK, true, false),
    // For screencasts and projectors; `--keys` and `--presenter` start with them on.
    b(&[(KeyCode::Char('o'), NONE)], "o", I::ToggleKeys, "show keys pressed on/off", G, false, false),
    b(&[(KeyCode::Char('T'), SHIFT), (KeyCode::Char('T'), NONE)], "T", I::TogglePresenter, "presenter theme on/off", G, false, false),
    // Drills (`--drill FILE` or `:drill FILE` loads one); pausing and aborting run its rollbacks.
    b(&[(KeyCode::Char('d'), NONE)], "d", I::DrillPanel, "drill panel on/off", G, false, false),
    b(&[(KeyCode::Char('E'), SHIFT), (KeyCode::Char('E'), NONE)], "E", I::DrillStart, "drill: start (again)", G, true, false),
    b(&[(KeyCode::Char('H'), SHIFT), (KeyCode::Char('H'), NONE)], "H", I::DrillPause, "drill: pause (rollbacks run) / resume", G, true, false),
    b(&[(KeyCode::Char('A'), SHIFT), (KeyCode::Char('A'), NONE)], "A", I::DrillAbort, "drill: abort (rollbacks run)", G, true, false),
];

use super::backup::Kind as K;
const BK: Scope = Scope::Panel(Panel::Backups);
use ChaosIntent as C;
const CO: Scope = Scope::Panel(Panel::Containers);

/// The binding a key press means in the focused panel, if any.
pub fn lookup(key: &KeyEvent, focus: Panel) -> Option<&'static Binding> {
    KEYMAP.iter().find(|bind| {
        let in_scope = match bind.scope {
            Scope::Global => true,
            Scope::Panel(p) => p == focus,
        };
        in_scope
            && bind
                .keys
                .iter()
                .any(|(code, mods)| *code == key.code && *mods == key.modifiers)
    })
}

/// The footer's hints for the focused panel: global ones first, then the panel's own.
pub fn footer(focus: Panel, readonly: bool) -> Vec<&'static Binding> {
    KEYMAP
        .iter()
        .filter(|b| b.footer && !(readonly && b.changes_lab))
        .filter(|b| match b.scope {
            Scope::Global => true,
            Scope::Panel(p) => p == focus,
        })
        .collect()
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Global => "anywhere",
        Scope::Panel(p) => p.title(),
    }
}

/// The key table as Markdown, as the README carries it.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| key | where | what | changes the lab |\n| --- | --- | --- | --- |\n");
    for bind in KEYMAP {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            bind.label,
            scope_name(bind.scope),
            bind.help,
            if bind.changes_lab { "yes" } else { "" }
        ));
    }
    out
}

/// The `?` overlay's rows: (keys, where, what).
pub fn help_rows(readonly: bool) -> Vec<(String, &'static str, String)> {
    KEYMAP
        .iter()
        .map(|b| {
            let what = if readonly && b.changes_lab {
                format!("{} (off: read-only)", b.help)
            } else {
                b.help.to_string()
            };
            (b.label.to_string(), scope_name(b.scope), what)
        })
        .collect()
}

/// The `:` command line's commands: (name, aliases, what it does).
pub const COMMANDS: &[(&str, &[&str], &str)] = &[
    ("containers", &["co", "ps"], "focus the containers panel"),
    ("logs", &["lo"], "focus the logs of the selected container"),
    ("queue", &["qu"], "focus the queue panel"),
    ("events", &["ev"], "focus the events panel"),
    ("traffic", &["tr"], "focus the traffic panel"),
    (
        "canary",
        &["ca"],
        "focus the canary panel; `canary N` sets the split",
    ),
    (
        "chaos",
        &["ch"],
        "`chaos KIND SERVICE [15s]`, `chaos random`, `… stop-all`",
    ),
    ("backups", &["bk"], "focus the backups panel"),
    (
        "drill",
        &["dr"],
        "`drill FILE` loads a drill (E starts it); `drill` shows or hides it",
    ),
    (
        "backup",
        &["bu"],
        "`backup` takes a dump, `backup base` a base backup",
    ),
    (
        "restore-to",
        &["pitr"],
        "`restore-to TIME`: 06:30:00, \"2026-12-06 06:30:00\", \"90s ago\"",
    ),
    ("filter", &["f"], "`filter TEXT` filters the focused panel"),
    ("help", &["h"], "show the keys"),
    ("quit", &["q", "q!"], "leave (`q!` without asking)"),
];

/// Completes the first word of a command line: the completed line, or None when nothing
/// (or nothing unique) matches.
pub fn complete(input: &str) -> Option<String> {
    let trimmed = input.trim_start();
    if trimmed.contains(' ') {
        return None;
    }
    let matches: Vec<&str> = COMMANDS
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| name.starts_with(trimmed))
        .collect();
    match matches.as_slice() {
        [one] => Some(format!("{one} ")),
        [] => None,
        many => {
            // The longest common prefix, when it adds anything.
            let first = many[0];
            let len = (trimmed.len()..=first.len())
                .rev()
                .find(|&n| many.iter().all(|m| m.len() >= n && m[..n] == first[..n]))
                .unwrap_or(trimmed.len());
            (len > trimmed.len()).then(|| first[..len].to_string())
        }
    }
}

/// The commands a partial line could still become, for the hint under the command line.
pub fn candidates(input: &str) -> Vec<&'static str> {
    let word = input.split_whitespace().next().unwrap_or("");
    COMMANDS
        .iter()
        .filter(|(name, aliases, _)| name.starts_with(word) || aliases.contains(&word))
        .map(|(name, _, _)| *name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_bindings_share_a_key_in_one_scope() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                let overlap =
                    a.scope == b.scope || a.scope == Scope::Global || b.scope == Scope::Global;
                if !overlap {
                    continue;
                }
                for k in a.keys {
                    assert!(
                        !b.keys.contains(k),
                        "{} and {} share {:?}",
                        a.label,
                        b.label,
                        k
                    );
                }
            }
        }
    }

    #[test]
    fn completion_finds_unique_and_common_prefixes() {
        assert_eq!(complete("ca").as_deref(), Some("canary "));
        assert_eq!(complete("q").as_deref(), Some("qu"));
        assert_eq!(complete("que").as_deref(), Some("queue "));
        assert_eq!(complete("zz"), None);
        assert_eq!(complete("canary 5"), None);
        assert!(candidates("c").contains(&"containers"));
        assert!(candidates("c").contains(&"canary"));
    }

    #[test]
    fn lab_changing_keys_leave_the_readonly_footer() {
        let foot = footer(Panel::Canary, true);
        assert!(foot.iter().all(|b| !b.changes_lab));
        assert!(footer(Panel::Canary, false).iter().any(|b| b.changes_lab));
    }
}
