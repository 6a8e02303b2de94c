use super::*;

const GOOD: &str = r#"
# A tour.
Output tour.cast
Set Width 100
Set Height 30
Set TypingSpeed 20ms
Set WaitTimeout 5s
Set Env NO_COLOR=1
Args --readonly --keys --palette cb

Wait /containers/ timeout 20s
Key 3
Down 2
Key Ctrl+C
Type ":canary 25"
Enter
Sleep 1.5
Wait@3s /from base (\d{8}-\d{6}-base) and/
Type "$1"
Expect /a\/b "q"/
Screenshot shots/tour.txt
"#;

fn errors(text: &str) -> Vec<(usize, String)> {
    parse(text)
        .expect_err("a bad tape")
        .into_iter()
        .map(|e| (e.line, e.message))
        .collect()
}

/// The one error of a one-line tape body, after a first blank line.
fn error(body: &str) -> String {
    let errs = errors(body);
    assert_eq!(errs.len(), 1, "{errs:?}");
    errs[0].1.clone()
}

#[test]
fn a_good_tape_parses_to_its_settings_and_steps() {
    let t = parse(GOOD).unwrap();
    assert_eq!(t.output, Some(PathBuf::from("tour.cast")));
    assert_eq!((t.width, t.height), (100, 30));
    assert_eq!(t.typing_speed, Duration::from_millis(20));
    assert_eq!(t.env, vec![("NO_COLOR".to_string(), "1".to_string())]);
    assert_eq!(t.args, ["--readonly", "--keys", "--palette", "cb"]);
    let lines: Vec<usize> = t.steps.iter().map(|s| s.line).collect();
    assert_eq!(lines, [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    match &t.steps[0].action {
        Action::Wait { pattern, timeout } => {
            assert_eq!(pattern.source, "containers");
            assert_eq!(*timeout, Duration::from_secs(20));
        }
        a => panic!("{a:?}"),
    }
    assert!(matches!(
        t.steps[1].action,
        Action::Key {
            key: Key::Char('3'),
            count: 1
        }
    ));
    assert!(matches!(
        t.steps[2].action,
        Action::Key {
            key: Key::Down,
            count: 2
        }
    ));
    assert!(matches!(
        t.steps[3].action,
        Action::Key {
            key: Key::Ctrl('C'),
            count: 1
        }
    ));
    assert!(matches!(&t.steps[4].action, Action::Type(s) if s == ":canary 25"));
    assert!(matches!(t.steps[6].action, Action::Sleep(d) if d == Duration::from_millis(1500)));
    assert!(matches!(&t.steps[7].action,
        Action::Wait { timeout, .. } if *timeout == Duration::from_secs(3)));
    match &t.steps[9].action {
        Action::Expect(p) => {
            assert!(p.regex.is_match("x a/b \"q\" y"));
            assert_eq!(p.to_string(), r#"/a\/b "q"/"#);
        }
        a => panic!("{a:?}"),
    }
    assert!(matches!(&t.steps[10].action, Action::Screenshot(p) if p.ends_with("tour.txt")));
}

#[test]
fn defaults_apply_and_the_wait_timeout_is_the_one_set_before() {
    let t = parse("Wait /x/\n").unwrap();
    assert_eq!((t.width, t.height, t.output.clone()), (120, 40, None));
    assert!(matches!(&t.steps[0].action,
        Action::Wait { timeout, .. } if *timeout == Duration::from_secs(15)));
    assert!(parse("").unwrap().steps.is_empty());
    assert!(parse("# only a comment\n\n").unwrap().steps.is_empty());
}

#[test]
fn bad_lines_are_named_with_what_was_expected() {
    let cases: &[(&str, &str)] = &[
        ("Tpye \"x\"", "did you mean"),
        ("type \"x\"", "did you mean `Type`"),
        ("Type x", "one quoted string"),
        ("Type \"x", "a closing \""),
        ("Type \"\"", "1 to 1000"),
        ("Key", "a key after Key"),
        ("Key Hyper", "a key after Key"),
        ("Key Down 0", "a count from 1 to 100"),
        ("Down 101", "a count from 1 to 100"),
        ("Key Down three", "a count"),
        ("Sleep", "one duration"),
        ("Sleep forever", "a duration like 2s"),
        ("Sleep -1", "a duration"),
        ("Sleep NaN", "a duration"),
        ("Sleep 11m", "at most 10m"),
        ("Wait", "a /regex/ after Wait"),
        ("Wait ready", "a /regex/"),
        ("Wait /ready", "a closing /"),
        ("Wait //", "not //"),
        ("Wait /(/", "a valid regex"),
        ("Wait /x/ timeout", "timeout 30s"),
        ("Wait /x/ timeout 0s", "above 0"),
        ("Wait /x/ timeout 2h", "at most 30m"),
        ("Wait@soon /x/", "a duration"),
        ("Expect /x/ 5s", "nothing after"),
        ("Screenshot", "one .txt"),
        ("Screenshot a.png", "one .txt"),
        ("Hide", "the cast is what driftdock drew"),
        ("Output", "one path"),
        ("Output a.mp4", "a .cast file"),
        ("Output .cast", "a .cast file"),
        ("Set Width", "Set Width N"),
        ("Set Width 20", "from 40 to 400"),
        ("Set Height 9999", "from 10 to 200"),
        ("Set Theme x", "`Theme` is not a setting"),
        ("Set TypingSpeed 2s", "at most 1s"),
        ("Set Env lower=1", "an environment name"),
        ("Set Env NOVALUE", "KEY=VALUE"),
        ("Args --record x.cast", "Output names the recording"),
        ("Args lab down", "not `lab`"),
        ("Args --config", "a value after --config"),
        ("Args --config --keys", "a value after --config"),
        ("Args --keys=1", "no value after --keys"),
        ("Type \"$1\"", "a Wait or Expect with a group"),
        ("Wait /(a)/\nType \"$2\"", "on line 2 has 1"),
        ("If", "`If /regex/ STEP`"),
        ("If /x/", "`If /regex/ STEP`"),
        ("If /x", "`If /regex/ STEP`"),
        ("If /x/ If /y/ Key L", "`If /regex/ STEP`"),
        ("If /x/ Set Width 100", "`If /regex/ STEP`"),
        ("If /(/ Key L", "a valid regex"),
        ("If /x/ Key Hyper", "a key after Key"),
        ("Cleanup now", "nothing after Cleanup"),
        ("Cleanup\nCleanup", "one Cleanup (the first is on line 2)"),
        ("Cleanup\nArgs --keys", "before the first step (line 2)"),
    ];
    for (body, want) in cases {
        let text = format!("\n{body}\n");
        let got = error(&text);
        let line = errors(&text)[0].0;
        assert!(got.contains(want), "{body:?}: {got:?} lacks {want:?}");
        assert!(line >= 2, "{body:?}: line {line}");
    }
}

#[test]
fn settings_come_first_and_once_and_every_error_is_reported() {
    let errs = errors("Wait /x/\nSet Width 100\nOutput a.cast\n");
    assert_eq!(errs.len(), 2);
    assert_eq!(errs[0].0, 2);
    assert!(
        errs[0].1.contains("before the first step (line 1)"),
        "{errs:?}"
    );
    let errs = errors("Output a.cast\nOutput b.cast\nArgs --keys\nArgs --keys\nBogus\n");
    let lines: Vec<usize> = errs.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 4, 5]);
    assert!(errs[0].1.contains("first is on line 1"));
}

#[test]
fn cleanup_steps_and_conditions_are_kept_apart() {
    let t = parse("Key L\nCleanup\nIf /load \\d+\\.\\d\\/s/ Key L\nType \":canary 0\"\n").unwrap();
    assert_eq!(t.steps.len(), 1);
    assert_eq!(t.cleanup.len(), 2);
    assert_eq!(t.cleanup[0].line, 3);
    match &t.cleanup[0].action {
        Action::If { pattern, then } => {
            assert!(pattern.regex.is_match("load 10.0/s"));
            assert!(matches!(
                **then,
                Action::Key {
                    key: Key::Char('L'),
                    count: 1
                }
            ));
        }
        a => panic!("{a:?}"),
    }
    assert_eq!(
        t.cleanup[0].action.to_string(),
        "If /load \\d+\\.\\d\\/s/ Key L"
    );
    assert!(parse("Cleanup\n").unwrap().cleanup.is_empty());
}

#[test]
fn typed_text_takes_the_last_matchs_groups() {
    let groups = vec!["20261206-063012-base".to_string(), "b".to_string()];
    assert_eq!(expand("id $1.", &groups), "id 20261206-063012-base.");
    assert_eq!(expand("$2$1", &groups), "b20261206-063012-base");
    assert_eq!(expand("$$1 $x $", &groups), "$1 $x $");
    assert_eq!(expand("$9", &groups), "");
    assert!(parse("Wait /(a)(b)/\nType \"$2 $$9\"\n").is_ok());
    // A later Expect without groups is the one `$1` would come from.
    assert!(parse("Wait /(a)/\nExpect /b/\nType \"$1\"\n").is_err());
}

#[test]
fn regexes_and_paths_keep_their_slashes() {
    let t = parse("Output \"/tmp/x.cast\"\nScreenshot out/a.txt\nWait /a\\/b\\d/\n").unwrap();
    assert_eq!(t.output, Some(PathBuf::from("/tmp/x.cast")));
    assert!(matches!(&t.steps[0].action, Action::Screenshot(p) if p.ends_with("out/a.txt")));
    match &t.steps[1].action {
        Action::Wait { pattern, .. } => assert!(pattern.regex.is_match("a/b7")),
        a => panic!("{a:?}"),
    }
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn mutate(text: &str, rng: &mut Lcg) -> String {
    const BITS: &[&str] = &[
        "/",
        "\"",
        "'",
        "\\",
        "$",
        "$9",
        "@",
        "@1s",
        " ",
        "\n",
        "=",
        "#",
        "(",
        ")",
        "[",
        "*",
        "Key",
        "Wait",
        "Set",
        "Args",
        "--config",
        "timeout",
        "0",
        "99999999999",
        "é",
        "\u{0}",
        "Ctrl+",
        "→",
    ];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.next(4) {
        let at = rng.next(chars.len() + 1);
        match rng.next(4) {
            0 if !chars.is_empty() => {
                let end = (at + rng.next(8)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let bit = BITS[rng.next(BITS.len())];
                chars.splice(at..at, bit.chars());
            }
            2 => chars.truncate(at),
            _ => {
                let lines: Vec<&str> = text.lines().collect();
                let l = lines[rng.next(lines.len())];
                chars.splice(at..at, l.chars().chain(['\n']));
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_tapes_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demos");
    let mut seeds = vec![GOOD.to_string()];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            seeds.push(std::fs::read_to_string(e.path()).unwrap());
        }
    }
    let mut rng = Lcg(0x5eed);
    let (mut ok, mut bad) = (0, 0);
    for i in 0..4000 {
        let text = mutate(&seeds[i % seeds.len()], &mut rng);
        match std::panic::catch_unwind(|| parse(&text)) {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(errs)) => {
                assert!(!errs.is_empty());
                for e in errs {
                    assert!(e.line >= 1 && e.line <= text.lines().count(), "{e:?}");
                    assert!(!e.message.is_empty());
                }
                bad += 1;
            }
            Err(_) => panic!("parse panicked on:\n{text}"),
        }
    }
    assert!(
        ok > 100 && bad > 100,
        "{ok} good, {bad} bad: the mutations should mix"
    );
}
