//! Drill files: the shipped ones parse, bad ones name file:line:column and what was expected,
//! and thousands of mutated files never panic the parser.

use driftdock::app::drill::parse::parse;
use driftdock::app::drill::spec::{Action, Cmp, From};

const SHIPPED: [(&str, &str); 4] = [
    (
        "worker-crash.toml",
        include_str!("../assets/drills/worker-crash.toml"),
    ),
    (
        "bad-canary.toml",
        include_str!("../assets/drills/bad-canary.toml"),
    ),
    (
        "redis-partition.toml",
        include_str!("../assets/drills/redis-partition.toml"),
    ),
    (
        "pitr-bad-write.toml",
        include_str!("../assets/drills/pitr-bad-write.toml"),
    ),
];

const HEAD: &str = "title = \"t\"\nbriefing = \"b\"\n[hypothesis]\n[[hypothesis.check]]\nfigure = \"queue.depth\"\nbelow = 100\n";

#[test]
fn every_shipped_drill_parses() {
    for (name, text) in SHIPPED {
        let spec = parse(text, name).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !spec.hypothesis.is_empty() && !spec.method.is_empty(),
            "{name}"
        );
        assert!(
            spec.method.iter().any(|s| s.action.is_fault()),
            "{name} has a fault"
        );
    }
}

#[test]
fn a_good_file_reads_checks_steps_objectives_and_rollbacks() {
    let text = format!(
        "{HEAD}[[hypothesis.check]]\nname = \"rows kept\"\nfigure = \"events.total\"\nat_least_start = true\n\
         [[method]]\nkind = \"chaos\"\nfault = \"latency\"\nservice = \"api-v2\"\ndelay = \"300ms\"\nduration = \"20s\"\n\
         [[method]]\nname = \"calm\"\nkind = \"wait\"\nduration = \"5s\"\n\
         [[objective]]\nname = \"o\"\ncheck = {{ figure = \"v2.p95_ms\", above = 250 }}\nwithin = \"30s\"\nfrom = \"calm\"\n\
         [[rollback]]\nkind = \"chaos-stop-all\"\n"
    );
    let spec = parse(&text, "t.toml").unwrap();
    assert_eq!(spec.hypothesis[1].name, "rows kept");
    assert_eq!(spec.hypothesis[1].check.cmp, Cmp::AtLeastStart);
    assert!(
        matches!(&spec.method[0].action, Action::Chaos(c) if c.service == "api-v2" && c.duration.as_secs() == 20)
    );
    assert_eq!(spec.method[1].name, "calm");
    assert_eq!(spec.objectives[0].from, From::Step(1));
    assert_eq!(spec.rollbacks, vec![Action::ChaosStopAll]);
    assert_eq!(spec.recover_within.as_secs(), 60, "the default");
}

/// (file text, the line the error must name, a phrase it must contain)
fn bad_cases() -> Vec<(String, usize, &'static str)> {
    vec![
        (String::new(), 1, "missing field `title`"),
        (HEAD.to_string(), 1, "at least one [[method]]"),
        (format!("{HEAD}[[method]]\nkind = \"explode\"\n"), 7, "unknown kind `explode`"),
        (format!("{HEAD}[[method]]\nkind = \"wait\"\nduration = \"soon\"\n"), 7, "not a duration"),
        (format!("{HEAD}[[method]]\nkind = \"wait\"\nduration = \"5s\"\ncolour = 1\n"), 10, "unknown field `colour`"),
        (format!("{HEAD}[[method]]\nkind = \"chaos\"\nfault = \"melt\"\nservice = \"worker\"\nduration = \"5s\"\n"), 7, "unknown fault"),
        (format!("{HEAD}[[method]]\nkind = \"canary\"\npercent = 140\n"), 7, "percent` from 0 to 100"),
        (format!("{HEAD}[[method]]\nkind = \"restore-to\"\nmark = \"x\"\n"), 7, "mark `x` is not set"),
        (format!("{HEAD}[[method]]\nkind = \"sql\"\nstatement = \"DELETE FROM a; DROP TABLE b\"\n"), 7, "exactly one SQL statement"),
        (format!("{HEAD}[[method]]\nkind = \"wait\"\nduration = \"5s\"\n[[rollback]]\nkind = \"sql\"\nstatement = \"x\"\n"), 10, "safe to repeat"),
        (format!("{HEAD}[[method]]\nkind = \"wait\"\nduration = \"5s\"\n[[objective]]\nname = \"o\"\ncheck = {{ figure = \"queue.depth\", below = 1 }}\nwithin = \"5s\"\n"), 10, "no method step is a fault"),
        ("title = \"t\"\nbriefing = \"b\"\n[hypothesis]\n[[hypothesis.check]]\nfigure = \"queue.depth\"\nbelow = 1\nabove = 2\n".into(), 4, "exactly one of below"),
        ("title = \"t\"\nbriefing = \"b\"\n[hypothesis]\n[[hypothesis.check]]\nfigure = \"queue.width\"\nbelow = 1\n".into(), 4, "unknown figure `queue.width`"),
        ("title = \"t\"\nbriefing = \"b\"\n[hypothesis]\nrecover_within = \"forever\"\n".into(), 4, "recover_within"),
        ("title = \"t\"\nbriefing = = \"b\"\n".into(), 2, ""),
        (format!("{HEAD}[[setup]]\nkind = \"chaos\"\nfault = \"kill\"\nservice = \"worker\"\nduration = \"5s\"\n[[method]]\nkind = \"wait\"\nduration = \"5s\"\n"), 7, "setup step 1: a fault belongs in the [[method]]"),
    ]
}

#[test]
fn a_bad_file_names_file_line_column_and_what_was_expected() {
    for (text, line, phrase) in bad_cases() {
        let err = parse(&text, "bad.toml").expect_err(&text);
        let prefix = format!("bad.toml:{line}:");
        assert!(
            err.starts_with(&prefix),
            "`{err}` should start with {prefix}\n{text}"
        );
        assert!(err.contains(phrase), "`{err}` should say `{phrase}`");
    }
}

/// xorshift: the same mutations on every run, so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn located(err: &str) -> bool {
    let mut parts = err.splitn(4, ':');
    parts.next() == Some("fuzz.toml")
        && parts
            .next()
            .is_some_and(|l| l.parse::<usize>().is_ok_and(|l| l >= 1))
        && parts
            .next()
            .is_some_and(|c| c.parse::<usize>().is_ok_and(|c| c >= 1))
}

#[test]
fn mutated_files_never_panic_and_every_error_has_a_line() {
    const BYTES: &[u8] = b" =\"[]{}.,#\n0123456789-_abcxyz\x00\xff\xc3";
    let mut rng = Rng(0x5eed_d0c5);
    let (mut cases, mut errors) = (0, 0);
    for (_, text) in SHIPPED {
        for _ in 0..1500 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..1 + rng.next() % 4 {
                let i = (rng.next() as usize) % bytes.len();
                match rng.next() % 3 {
                    0 => bytes[i] = BYTES[(rng.next() as usize) % BYTES.len()],
                    1 => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, BYTES[(rng.next() as usize) % BYTES.len()]),
                }
            }
            // A drill file is read as UTF-8 text; invalid bytes never reach the parser.
            let text = String::from_utf8_lossy(&bytes);
            cases += 1;
            if let Err(e) = parse(&text, "fuzz.toml") {
                errors += 1;
                assert!(located(&e), "no line in `{e}` for:\n{text}");
            }
        }
    }
    assert_eq!(cases, 6000);
    assert!(
        errors > 1000,
        "the mutations should break most files ({errors})"
    );
}
