//! The commit this build is from (the About section), then Tauri's build.
#[path = "../build-support/commit.rs"]
mod commit;

fn main() {
    commit::emit();
    tauri_build::build();
}
