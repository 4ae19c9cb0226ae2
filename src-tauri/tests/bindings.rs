//! The UI's bridge is generated from Rust: every type that crosses between
//! the engine, the shell and the UI (`ui/src/bindings/`, ts-rs) and one typed
//! function per command (`ui/src/bridge/commands.ts`). This test regenerates
//! both into a temporary directory and fails when the checked-in files
//! differ.
//!
//! Regenerate with: `PQ_BLESS=1 cargo test -p pq-desktop --test bindings`

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in s.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `ui/src/bridge/commands.ts` for these signatures; `types` are the names
/// the bindings directory exports.
fn commands_ts(sigs: &[pq_desktop::commands::Signature], types: &BTreeSet<String>) -> String {
    let mut body = String::new();
    let mut used = BTreeSet::new();
    for s in sigs {
        let args: Vec<String> = s.args.iter().map(|(n, t)| format!("{}: {t}", camel(n))).collect();
        let keys: Vec<String> = s.args.iter().map(|(n, _)| camel(n)).collect();
        for t in s.args.iter().map(|(_, t)| t.as_str()).chain([s.ret.as_str()]) {
            for word in t.split(|c: char| !c.is_alphanumeric() && c != '_') {
                if types.contains(word) {
                    used.insert(word.to_owned());
                }
            }
        }
        body.push_str("\n/**\n");
        for d in &s.docs {
            body.push_str(&format!(" *{d}\n"));
        }
        body.push_str(" */\n");
        let call = if keys.is_empty() {
            format!("invoke(\"{}\")", s.name)
        } else {
            format!("invoke(\"{}\", {{ {} }})", s.name, keys.join(", "))
        };
        body.push_str(&format!(
            "export function {}({}): Promise<{}> {{\n  return {call};\n}}\n",
            camel(s.name),
            args.join(", "),
            s.ret,
        ));
    }
    used.insert("UiEvent".into());
    used.insert("StagedFile".into());
    let mut out = String::from(pq_protocol::ts::HEADER);
    out.push_str("import { Channel as IpcChannel, invoke } from \"@tauri-apps/api/core\";\n");
    out.push_str(&format!(
        "import type {{ {} }} from \"../bindings\";\n",
        used.into_iter().collect::<Vec<_>>().join(", ")
    ));
    out.push_str(&body);
    out.push_str(
        "\n/**\n * Streams every event of the engine and the shell to `onEvent`.\n */\n\
         export function subscribe(onEvent: (event: UiEvent) => void): Promise<void> {\n  \
         const channel = new IpcChannel<UiEvent>();\n  channel.onmessage = onEvent;\n  \
         return invoke(\"subscribe\", { onEvent: channel });\n}\n\
         \n/**\n * Streams the call's pictures to `onPicture` as binary messages: 16 bytes of\n \
         * user id, width and height (u32, little-endian), then the I420 planes.\n */\n\
         export function subscribeVideo(onPicture: (picture: ArrayBuffer) => void): Promise<void> {\n  \
         const channel = new IpcChannel<ArrayBuffer>();\n  channel.onmessage = onPicture;\n  \
         return invoke(\"subscribe_video\", { onPicture: channel });\n}\n\
         \n/**\n * Keeps a file the person picked, dropped or pasted, for the composer (its\n \
         * bytes go as the raw body).\n */\n\
         export function stageFile(name: string, bytes: ArrayBuffer | Uint8Array): Promise<StagedFile> {\n  \
         return invoke(\"stage_file\", bytes, { headers: { \"pq-file-name\": encodeURIComponent(name) } });\n}\n",
    );
    out
}

fn generate(root: &Path) {
    let bindings = root.join("bindings");
    fs::create_dir_all(&bindings).unwrap();
    let cfg = pq_protocol::ts::config(&bindings);
    pq_protocol::ts::export_all(&cfg).unwrap();
    pq_desktop::commands::export_types(&cfg).unwrap();
    pq_protocol::ts::finish(&bindings, true).unwrap();
    let types: BTreeSet<String> = fs::read_dir(&bindings)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().trim_end_matches(".ts").to_owned())
        .filter(|n| n != "index")
        .collect();
    let bridge = root.join("bridge");
    fs::create_dir_all(&bridge).unwrap();
    fs::write(bridge.join("commands.ts"), commands_ts(&pq_desktop::commands::signatures(&cfg), &types)).unwrap();
}

fn read(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for sub in ["bindings", "bridge"] {
        let Ok(rd) = fs::read_dir(dir.join(sub)) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ts") && (sub == "bindings" || p.ends_with("commands.ts")) {
                out.insert(
                    format!("{sub}/{}", p.file_name().unwrap().to_string_lossy()),
                    fs::read_to_string(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn the_ui_bridge_is_up_to_date() {
    // The checkout under test, as the runner says at run time (a binary built
    // in another checkout sharing the target directory would look there).
    let ui_src = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(), std::path::PathBuf::from)
        .join("../ui/src");
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path());
    let fresh = read(tmp.path());
    assert!(fresh.contains_key("bindings/UiEvent.ts") && fresh.contains_key("bridge/commands.ts"));
    if std::env::var_os("PQ_BLESS").is_some() {
        let _ = fs::remove_dir_all(ui_src.join("bindings"));
        for (name, body) in &fresh {
            let p = ui_src.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
        }
        return;
    }
    let old = read(&ui_src);
    let stale: Vec<&String> = fresh.iter().filter(|(n, b)| old.get(*n) != Some(b)).map(|(n, _)| n).collect();
    let extra: Vec<&String> = old.keys().filter(|n| !fresh.contains_key(*n)).collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "the UI bridge is stale (changed: {stale:?}, no longer generated: {extra:?}).\n\
         Run `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` and commit the result."
    );
}
