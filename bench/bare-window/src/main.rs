//! A bare Tauri window showing a hello-world page: the same toolkit and
//! window size as pq-desktop, nothing else. The desktop benchmark measures
//! pq against it (`examples/desktop_bench.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default().run(tauri::generate_context!()).expect("the window could not start");
}
