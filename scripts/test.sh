#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and CLI tests, then the end-to-end tier over
# real images built by real builders (scripts/real-images.sh installs and starts what it needs,
# and stops what it started).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test

# WEIGH_REAL_IMAGES points at images built earlier; by default they are built (or reused) now.
images=${WEIGH_REAL_IMAGES:-$(scripts/real-images.sh | tail -n 1)}
WEIGH_REAL_IMAGES="$images" cargo test --test real_images -- --include-ignored
