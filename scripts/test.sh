#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and CLI tests, then the end-to-end tier over
# real images built by real builders (scripts/real-images.sh installs and starts what it needs,
# and stops what it started).
set -euo pipefail
cd "$(dirname "$0")/.."

# The JUnit test validates with xmllint (Debian's libxml2-utils); the HTML report is rendered
# in headless Chromium (Debian's chromium).
missing=()
command -v xmllint >/dev/null || missing+=(libxml2-utils)
command -v chromium >/dev/null || missing+=(chromium)
command -v tmux >/dev/null || missing+=(tmux) # the TUI's end-to-end test
command -v htpasswd >/dev/null || missing+=(apache2-utils) # the registry auth test
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	else
		echo "scripts/test.sh: missing ${missing[*]}: install them (Debian packages)" >&2
		exit 1
	fi
fi

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test

# WEIGH_REAL_IMAGES points at images built earlier; by default they are built (or reused) now.
images=${WEIGH_REAL_IMAGES:-$(scripts/real-images.sh | tail -n 1)}
# The remote-source tests start (and stop) their own registry and dockerd; real-images.sh has
# installed docker-registry, skopeo and docker.io.
WEIGH_REAL_IMAGES="$images" cargo test --test real_images --test compare --test remote -- --include-ignored
