//! The commit a build is from, for build scripts (`#[path]`-included by
//! `cli/build.rs` and `src-tauri/build.rs`): sets `PQ_COMMIT` ("unknown"
//! outside a git checkout, e.g. a source tarball) and reruns when the
//! checked-out commit changes. Both packages sit one level below the
//! repository's root.

/// Emits `cargo:rustc-env=PQ_COMMIT=…` and what to rerun on.
pub fn emit() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
    println!("cargo:rustc-env=PQ_COMMIT={commit}");
    for git in ["../.git/HEAD", "../.git/refs/heads", "../.git/packed-refs"] {
        if std::path::Path::new(git).exists() {
            println!("cargo:rerun-if-changed={git}");
        }
    }
}
