# Sourced by the scripts: one persistent build directory outside the checkout
# (a clean clone still builds from nothing), shared by every build and test.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pq/target}"
export PATH="$HOME/.cargo/bin:$PATH"
# Snapshot tests (insta) find their files in this checkout at run time: a
# test binary another checkout built into the shared target directory (same
# sources: cargo reuses it) would otherwise look in that checkout.
INSTA_WORKSPACE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export INSTA_WORKSPACE_ROOT
# Cap the build directory: feature churn accumulates artifacts.
if [ -d "$CARGO_TARGET_DIR" ]; then
  size_gb=$(du -s --block-size=1G "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1 || echo 0)
  if [ "${size_gb:-0}" -gt 60 ]; then
    echo "env: $CARGO_TARGET_DIR is ${size_gb} GB; clearing it"
    rm -rf "$CARGO_TARGET_DIR"
  fi
fi
