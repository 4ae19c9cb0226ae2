//! Placeholder for the Tauri 2 shell (issue 5). It builds so the workspace
//! layout is final; it has no window yet.

fn main() {
    eprintln!(
        "pq-desktop {}: the desktop window is not built yet; run pq-server and the `pq` CLI for now",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
