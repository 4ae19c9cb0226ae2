//! The commit this build is from, for `pq version` and `pq --version`.
#[path = "../build-support/commit.rs"]
mod commit;

fn main() {
    commit::emit();
}
