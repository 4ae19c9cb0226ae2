//! The TypeScript bindings in `ui/src/bindings/` are generated from this crate
//! with ts-rs. This test regenerates them into a temporary directory and fails
//! when the checked-in files differ, so a wire change cannot ship without its
//! bindings.
//!
//! Regenerate with: `PQ_BLESS=1 cargo test -p pq-desktop --test bindings`
//! (the desktop writes the whole directory: these types and its own).

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
};

fn export_all(dir: &Path) {
    pq_protocol::ts::export_all(&pq_protocol::ts::config(dir)).expect("export");
    pq_protocol::ts::finish(dir, false).expect("headers");
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(rd) = fs::read_dir(dir) else { return BTreeMap::new() };
    rd.map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ts"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn typescript_bindings_are_up_to_date() {
    // The checkout being tested, as the test runner says at run time (a
    // binary built in another checkout sharing the target directory would
    // otherwise look there).
    let manifest =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let checked_in: PathBuf = manifest.join("../ui/src/bindings");
    let tmp = tempfile::tempdir().unwrap();
    export_all(tmp.path());
    let fresh = read_dir(tmp.path());
    assert!(fresh.contains_key("ServerFrame.ts") && fresh.contains_key("Message.ts"), "export produced {fresh:?}");

    // The wire types' files must match; the directory also holds the
    // desktop's types and index (checked by pq-desktop's bindings test).
    let old = read_dir(&checked_in);
    let stale: Vec<&String> =
        fresh.iter().filter(|(n, b)| *n != "index.ts" && old.get(*n) != Some(b)).map(|(n, _)| n).collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale (changed: {stale:?}).\n\
         Run `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` and commit the result."
    );
}
