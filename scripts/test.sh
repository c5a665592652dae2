#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit and CLI tests, then the end-to-end tier over
# real images built by real builders. Prints the wall time and the peak disk use of every
# phase, and a total, so every log shows where the budget goes.
#
# The real images are built (or taken from the cache) by scripts/real-images.sh in the
# background while Rust compiles: building them is mostly downloads and single-threaded
# compiles, so the two overlap on two cores. WEIGH_REAL_IMAGES=DIR skips that and uses DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG_TAG=test
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

T0=$SECONDS
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE_ROOT=${WEIGH_CACHE:-$HOME/.cache/weigh}
TARGET=${CARGO_TARGET_DIR:-target}
mkdir -p "$CACHE_ROOT" "$TARGET"
RUN=$(mktemp -d "${TMPDIR:-/tmp}/weigh-test.XXXXXX")
PEAK=$RUN/disk-peak
REPORT=()
IMAGES_PID=
SAMPLER=

finish() {
	local rc=$?
	if [ -n "$IMAGES_PID" ]; then
		kill -TERM -- "-$IMAGES_PID" 2>/dev/null || kill -TERM "$IMAGES_PID" 2>/dev/null || true
		wait "$IMAGES_PID" 2>/dev/null || true
	fi
	kill -TERM "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	if [ ${#REPORT[@]} -gt 0 ]; then
		printf '\n== phases (wall time, peak disk use above the start of the run)\n' >&2
		printf '%s\n' "${REPORT[@]}" >&2
		printf '  %-34s %6s s  peak %s (at %s)\n' total "$((SECONDS - T0))" \
			"$(gb "$(($(cat "$PEAK.total" 2>/dev/null || echo "$DISK0") - DISK0))")" "$(cat "$PEAK.total.at" 2>/dev/null || echo start)" >&2
	fi
	rm -rf "$RUN"
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# phase NAME COMMAND...: runs a phase and records its time and peak disk use.
phase() {
	local name=$1 t=$SECONDS rc=0
	shift
	disk_used "$TARGET" >"$PEAK"
	log "phase: $name"
	"$@" || rc=$?
	local peak
	peak=$(cat "$PEAK" 2>/dev/null || echo "$DISK0")
	REPORT+=("$(printf '  %-34s %6s s  peak %s%s' "$name" "$((SECONDS - t))" "$(gb "$((peak - DISK0))")" \
		"$([ "$rc" = 0 ] || echo "  FAILED ($rc)")")")
	return "$rc"
}

# Disk: what this run may still need (a cold target directory, images to build, the tests'
# temporary copies), checked before any work is done.
DISK0=$(disk_used "$TARGET")
echo "$DISK0" >"$PEAK"
echo "$DISK0" >"$PEAK.total"
# Samples the disk use every second: the highest since the phase began, and over the run.
(
	trap 'exit 0' TERM
	while sleep 1; do
		u=$(disk_used "$TARGET") || continue
		for f in "$PEAK" "$PEAK.total"; do
			p=$(cat "$f" 2>/dev/null || echo 0)
			[ "$u" -le "${p:-0}" ] || { echo "$u" >"$f.tmp" && mv "$f.tmp" "$f" && date +%T >"$f.at"; }
		done
	done
) &
SAMPLER=$!

check_disk() {
	# A cold target directory (2 GB, measured 1.9), the Debian packages when the tools are not
	# installed yet (2 GB, measured 1.5), and the image builds (their plan), or without any
	# the tests' temporary copies (1 GB).
	local need_gb=0 plan images=0 img_gb=0
	[ -d "$TARGET/debug/deps" ] || need_gb=$((need_gb + 2))
	command -v buildah >/dev/null && command -v chromium >/dev/null || need_gb=$((need_gb + 2))
	if [ -z "${WEIGH_REAL_IMAGES:-}" ]; then
		plan=$(scripts/real-images.sh --plan)
		read -r images _ img_gb _ <<<"$plan"
	fi
	need_gb=$((need_gb + (img_gb > 0 ? img_gb : 1)))
	local free
	free=$(disk_free "$TARGET")
	log "disk: $(gb "$free") free; this run needs up to ${need_gb} GB ($images images to build)"
	if [ "$free" -lt $((need_gb * 1000000000)) ]; then
		echo "scripts/test.sh: needs ${need_gb} GB of free disk, and only $(gb "$free") is free: free some space first" >&2
		exit 1
	fi
}
phase "disk check" check_disk
phase "installs (apt, PyPI)" scripts/install-tools.sh

IMAGES_LOG=$RUN/real-images.log
if [ -z "${WEIGH_REAL_IMAGES:-}" ]; then
	set -m # the image builds in their own process group, so they can be stopped whole
	scripts/real-images.sh >"$RUN/real-images.out" 2>"$IMAGES_LOG" &
	IMAGES_PID=$!
	set +m
	T_IMAGES=$SECONDS
	log "real images: building in the background (log: $IMAGES_LOG)"
fi

export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
phase "cargo fmt --check" cargo fmt --check
phase "cargo clippy --all-targets" cargo clippy --all-targets --quiet -- -D warnings
phase "build unit and CLI tests" cargo test --no-run --quiet
phase "run unit and CLI tests" cargo test --quiet

wait_images() {
	local rc=0
	wait "$IMAGES_PID" || rc=$?
	IMAGES_PID=
	sed 's/^/  | /' "$IMAGES_LOG" | grep -E 'done in|built in|ready in|error|failed|check' >&2 || true
	if [ "$rc" != 0 ]; then
		tail -n 60 "$IMAGES_LOG" >&2
		return "$rc"
	fi
	WEIGH_REAL_IMAGES=$(tail -n 1 "$RUN/real-images.out")
	log "real images: $WEIGH_REAL_IMAGES (built or reused in $((SECONDS - T_IMAGES)) s in all)"
}
if [ -n "$IMAGES_PID" ]; then
	phase "real images (waiting for the builds)" wait_images
fi
export WEIGH_REAL_IMAGES
# The end-to-end tier, and the tests that need the tools installed above (xmllint, chromium,
# tmux, docker-registry, dockerd): the remote tests start and stop their own registry and
# engine.
phase "end-to-end tier" cargo test --quiet --test real_images --test real_tui --test real_compare --test bases --test pnpm --test compare --test remote --test check --test shell --test html --test markdown --test own_image \
	-- --include-ignored
