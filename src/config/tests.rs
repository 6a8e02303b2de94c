//! Config parsing, errors and redaction.

use super::*;

#[test]
fn the_documented_defaults_are_the_built_in_ones() {
    let documented = Config::from_toml(DEFAULT_TOML, "assets/config.toml").unwrap();
    assert_eq!(documented, Config::default());
    let c = Config::from_toml("", "test.toml").unwrap();
    assert_eq!(c.lab.project, "driftdock");
    assert_eq!(c.intervals.redis, Duration::from_secs(1));
}

#[test]
fn passwords_never_print() {
    let c = Config::from_toml("", "test.toml").unwrap();
    let debug = format!("{c:?}");
    let shown = format!("{}", c.endpoints.postgres);
    for text in [&debug, &shown] {
        assert!(!text.contains("driftdock-lab"), "leaked: {text}");
    }
    assert!(shown.contains("driftdock:***@127.0.0.1"));
    assert!(c.endpoints.postgres.expose().contains("driftdock-lab"));
    assert_eq!(
        redact_str("error connecting to postgres://u:hunter2@db:5432/x: refused"),
        "error connecting to postgres://u:***@db:5432/x: refused"
    );
    assert_eq!(redact_str("no url here"), "no url here");
}

#[test]
fn a_syntax_error_names_file_line_and_column() {
    let err = Config::from_toml("[lab]\nname = \"x\"\nproject = \n", "my.toml").unwrap_err();
    let text = format!("{err}");
    assert!(text.starts_with("my.toml:3:"), "{text}");
}

#[test]
fn a_bad_value_names_its_line_and_what_was_expected() {
    let err = Config::from_toml(
        "[lab]\nname = \"x\"\n\n[endpoints]\nredis = \"http://nope\"\n",
        "my.toml",
    )
    .unwrap_err();
    let text = format!("{err}");
    assert!(text.starts_with("my.toml:5:9:"), "{text}");
    assert!(text.contains("expected a redis or rediss URL"), "{text}");

    let err = Config::from_toml("[intervals]\nredis = \"soon\"\n", "my.toml").unwrap_err();
    assert!(format!("{err}").starts_with("my.toml:2:9:"), "{err}");

    let err = Config::from_toml("[lab]\nprojekt = \"x\"\n", "my.toml").unwrap_err();
    let text = format!("{err}");
    assert!(text.starts_with("my.toml:2:1:"), "{text}");
    assert!(text.contains("unknown field `projekt`"), "{text}");
}

#[test]
fn a_bad_url_never_echoes_its_password() {
    let err = Config::from_toml(
        "[endpoints]\npostgres = \"mysql://u:hunter2@db/x\"\n",
        "my.toml",
    )
    .unwrap_err();
    assert!(!format!("{err:?}").contains("hunter2"));
}

#[test]
fn the_environment_overrides_the_file() {
    let mut c = Config::from_toml("[endpoints]\nredis = \"redis://a:1\"\n", "f").unwrap();
    c.apply_env(|k| (k == "DRIFTDOCK_REDIS_URL").then(|| "redis://10.0.0.9:6380".to_string()))
        .unwrap();
    assert_eq!(c.endpoints.redis.expose(), "redis://10.0.0.9:6380");
    let err = c
        .apply_env(|k| (k == "DRIFTDOCK_DATABASE_URL").then(|| "nope".to_string()))
        .unwrap_err();
    assert!(format!("{err}").starts_with("DRIFTDOCK_DATABASE_URL: expected a URL"));
}

#[test]
fn the_palette_is_default_or_colorblind() {
    let c = Config::from_toml("[ui]\npalette = \"cb\"\n", "t.toml").unwrap();
    assert_eq!(c.ui.palette, PaletteName::Colorblind);
    let err = Config::from_toml("[ui]\npalette = \"pink\"\n", "t.toml").unwrap_err();
    assert!(format!("{err}").starts_with("t.toml:2:"), "{err}");
}
