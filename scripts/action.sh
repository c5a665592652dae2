#!/usr/bin/env bash
# The GitHub Action (action.yml): weigh check on INPUT_IMAGE with annotations and the job
# summary, weigh compare against INPUT_BASELINE into the summary, and the outputs pass, size
# and delta. Uses the weigh on PATH, else builds this repository's (cargo install).
#
# Reads INPUT_IMAGE, INPUT_BUDGET, INPUT_BASELINE, INPUT_DOCKERFILE, INPUT_ARGS, INPUT_FAIL and
# GitHub's GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ACTION_PATH. Exits as weigh check
# does (0 pass, 1 a rule failed, 2 it could not check), or 0 on a failed budget when
# INPUT_FAIL is false.
set -euo pipefail

: "${INPUT_IMAGE:?the action needs an image}"
: "${GITHUB_OUTPUT:?not running in GitHub Actions (GITHUB_OUTPUT is not set)}"
export GITHUB_ACTIONS=true

if ! command -v weigh >/dev/null; then
	echo "::group::Installing weigh"
	cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?}"
	echo "::endgroup::"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

args=(check "$INPUT_IMAGE" --format github --output "json=$work/check.json")
[ -z "${INPUT_BUDGET:-}" ] || args+=(--budget "$INPUT_BUDGET")
[ -z "${INPUT_BASELINE:-}" ] || args+=(--baseline "$INPUT_BASELINE")
[ -z "${INPUT_DOCKERFILE:-}" ] || args+=(--dockerfile "$INPUT_DOCKERFILE")
if [ -n "${INPUT_ARGS:-}" ]; then
	read -r -a extra <<<"$INPUT_ARGS"
	args+=("${extra[@]}")
fi

rc=0
weigh "${args[@]}" || rc=$?
if [ "$rc" -ge 2 ] || [ ! -s "$work/check.json" ]; then
	echo "::error title=weigh::weigh check could not check $INPUT_IMAGE (exit $rc)"
	exit "$rc"
fi

# One value of the check's JSON (numbers and booleans as JSON writes them, null as empty).
field() {
	sed -n "s/^  \"$1\": \\(.*\\),\$/\\1/p; s/^  \"$1\": \\(.*\\)\$/\\1/p" "$work/check.json" | head -n 1 | sed 's/^null$//'
}
pass=$(field pass)
size=$(field size)
delta=$(field growth)
{
	echo "pass=$pass"
	echo "size=$size"
	echo "delta=$delta"
} >>"$GITHUB_OUTPUT"

if [ -n "${INPUT_BASELINE:-}" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	cmp=(compare "$INPUT_BASELINE" "$INPUT_IMAGE" --format markdown)
	[ -z "${INPUT_DOCKERFILE:-}" ] || cmp+=(--after-dockerfile "$INPUT_DOCKERFILE")
	if ! weigh "${cmp[@]}" >>"$GITHUB_STEP_SUMMARY"; then
		echo "::warning title=weigh::weigh compare $INPUT_BASELINE $INPUT_IMAGE failed"
	fi
fi

if [ "$rc" = 1 ] && [ "${INPUT_FAIL:-true}" = false ]; then
	echo "weigh: the budget failed; the step passes as fail=false asks"
	exit 0
fi
exit "$rc"
