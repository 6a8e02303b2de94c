//! The README's key table is made from the keymap; this fails when the two drift apart.
//! `UPDATE_README=1 cargo test --test readme_keys` rewrites the table from the keymap.

use driftdock::app::keymap::markdown_table;

const START: &str = "<!-- keys:start -->\n";
const END: &str = "<!-- keys:end -->";

#[test]
fn readme_key_table_matches_the_keymap() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find(START)
        .expect("README.md has no `<!-- keys:start -->` marker")
        + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README.md has no `<!-- keys:end -->` marker");
    let table = markdown_table();
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "README.md's key table drifted from src/app/keymap.rs; \
         run `UPDATE_README=1 cargo test --test readme_keys`"
    );
}
