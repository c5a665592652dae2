#!/usr/bin/env bash
# Build real container images of the fixture apps with real builders, for weigh's
# end-to-end tests and for side-by-side checks against dive, umoci and syft.
#
#   dir=$(scripts/real-images.sh | tail -1)
#
# Needs a Debian bookworm machine, root, and network access to Debian's mirror, the npm
# registry and PyPI (nothing else). Progress goes to stderr; the only line printed on stdout
# is the directory holding the images.
#
# What it does (each step is skipped when its result is already cached):
#   1. installs the tools it needs (scripts/install-tools.sh);
#   2. builds two base images from debootstrap, localhost/node:20-slim (this machine's node
#      and npm copied in) and localhost/python:3.11-slim, once, shared by both builders;
#   3. builds fixtures/node-app and fixtures/python-app from Dockerfile.single and
#      Dockerfile.multi with buildah (`buildah bud --layers`) and with BuildKit (a private
#      dockerd), the two builders side by side, on overlay storage that is removed as soon
#      as an image is exported;
#   4. exports every image as NAME.docker.tar (docker-archive, uncompressed layers) and
#      NAME.oci/ (OCI layout, gzip layers), and the small ones (the multi-stage images and
#      the bases) also as NAME.zstd.oci/ (zstd layers) and NAME.oci.tar (oci-archive), and
#      node-multi-buildkit as NAME.docker-save.tar (what `docker save` wrote). NAME is {node,py}-{single,multi}-{buildah,buildkit},
#      node-leaky-buildkit (fixtures/node-app/Dockerfile.leaky: the final stage copies the
#      build stage's node_modules, devDependencies included), node-base or py-base; and
#      fixtures/pnpm-workspace's images (pnpm-{api,web,deploy,single}-buildkit), kept as OCI
#      layouts only. A Dockerfile column of FILE@STAGE builds with --target STAGE.
#
# Every image is cached on its own, under CACHE/images/NAME/KEY, where KEY hashes what the
# image is made of: its Dockerfile and app directory, the base images' key, the builder's
# version and IMAGE_RECIPE. The bases are cached under CACHE/bases/KEY (BASE_RECIPE, the
# Debian suite and mirror, this machine's node, npm, corepack and CA certificates). Editing
# this script invalidates nothing unless a recipe number is bumped: bump IMAGE_RECIPE when
# the build or export steps change what an image holds, BASE_RECIPE for the bases.
# The printed directory (CACHE/sets/KEY) links to the current version of every image and
# holds manifest.txt (name, app, Dockerfile, builder, layers, uncompressed bytes).
#
# CACHE is ${WEIGH_CACHE:-$HOME/.cache/weigh}/real-images.
#
# Options: --force        rebuild every app image
#          --force-bases  rebuild the bases too
#          --plan         print how many images would be built, and the disk that needs; exit
set -euo pipefail

LOG_TAG=real-images
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec 3>&1 1>&2 # fd 3: the real stdout (only the final path)

SUITE=bookworm
BASE_RECIPE=1
IMAGE_RECIPE=3

# name app dockerfile[@target] builder exports (besides docker.tar and oci). The zstd layout and the
# oci-archive are made of the small images only: every format is still read for both apps
# and both builders, and the large images' third copy would cost 2 GB of disk.
# Each lane builds its images in this order. buildah's single-stage node image (the longest
# build) comes last and BuildKit's first, so the two largest builds (each holding gigabytes
# of builder storage) do not overlap.
IMAGES=(
	"node-multi-buildah node-app Dockerfile.multi buildah oci-archive"
	"py-multi-buildah python-app Dockerfile.multi buildah oci-archive,zstd"
	"py-single-buildah python-app Dockerfile.single buildah -"
	"node-single-buildah node-app Dockerfile.single buildah -"
	"node-single-buildkit node-app Dockerfile.single buildkit -"
	"node-multi-buildkit node-app Dockerfile.multi buildkit zstd,docker-save"
	"node-leaky-buildkit node-app Dockerfile.leaky buildkit -"
	"py-single-buildkit python-app Dockerfile.single buildkit -"
	"py-multi-buildkit python-app Dockerfile.multi buildkit zstd,oci-archive"
	# A pnpm workspace (a shared library, two apps): one Dockerfile with a target per app,
	# the naive single stage, and `pnpm deploy`. Kept as OCI layouts only (oci-only): their
	# base layers are the node images' blobs, linked.
	"pnpm-api-buildkit pnpm-workspace Dockerfile@api buildkit oci-only"
	"pnpm-web-buildkit pnpm-workspace Dockerfile@web buildkit oci-only"
	"pnpm-deploy-buildkit pnpm-workspace Dockerfile.deploy@api buildkit oci-only"
	"pnpm-single-buildkit pnpm-workspace Dockerfile.single buildkit oci-only"
	# Bases no builder here can pull, assembled layer by layer (scripts/assemble-images.py)
	# and committed with buildah: an Alpine-format node base with and without a toolchain,
	# a distroless node image, an RPM image, a Go service; distroless's cc base, which weigh's
	# own image (the Dockerfile at the root) runs on.
	"alpine-single sharp-app - assembled -"
	"alpine-multi sharp-app - assembled zstd"
	"alpine-glibc sharp-app - assembled -"
	"alpine-secret sharp-app - assembled -"
	"distroless-node sharp-app - assembled -"
	"distroless-cc - - assembled -"
	"rpm-node - - assembled -"
	"go-service go-app - assembled -"
)
# Disk, in tenths of a GB, measured (du, df) on a cold run with a margin: what an image keeps
# in the cache once exported (its archive and layouts, shared blobs counted once) ...
disk_kept() {
	case $1 in
	node-single-* | py-single-*) echo 14 ;;
	node-multi-buildkit) echo 6 ;;
	node-multi-* | node-leaky-* | py-multi-*) echo 4 ;;
	pnpm-*) echo 1 ;;
	alpine-single) echo 3 ;;
	*) echo 2 ;;
	esac
}
# ... what builds hold while they run (builder storage, the archive before its layouts;
# removed as each image is exported): one lane's single-stage build at a time, beside the
# other lanes' smaller ones ...
BUILDING_BIG=30 BUILDING_SMALL=10
# ... and the bases with their exports.
BASES_BUILD=10

FORCE=0
FORCE_BASES=0
PLAN=0
for arg in "$@"; do
	case $arg in
	--force) FORCE=1 ;;
	--force-bases) FORCE=1 FORCE_BASES=1 ;;
	--plan) PLAN=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&3
		exit 0
		;;
	*) die "unknown argument: $arg" ;;
	esac
done

SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SCRIPT")/.." && pwd)
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE=${WEIGH_CACHE:-$HOME/.cache/weigh}/real-images
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive BUILDAH_ISOLATION=chroot

# ---------------------------------------------------------------- keys

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

node_prefix() {
	local node
	node=$(readlink -f "$(command -v node)") || die "node is not installed; the node base copies this machine's node"
	dirname "$(dirname "$node")"
}

base_key() {
	local prefix
	prefix=$(node_prefix)
	{
		echo "base recipe $BASE_RECIPE suite $SUITE mirror $(debian_mirror)"
		sha256sum <"$prefix/bin/node"
		cat "$prefix/lib/node_modules/npm/package.json" "$prefix/lib/node_modules/corepack/package.json"
		cat /etc/ssl/certs/ca-certificates.crt
		find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -print0 | sort -z | xargs -0 -r cat
	} | sha
}

builder_version() {
	# Before the tools are installed (--plan on a new machine) there is nothing cached to
	# reuse anyway.
	case $1 in
	buildah) buildah --version 2>/dev/null || echo none ;;
	buildkit) dockerd --version 2>/dev/null || echo none ;;
	assembled)
		buildah --version 2>/dev/null || echo none
		sha256sum <"$REPO/scripts/assemble-images.py"
		for t in rpm go musl-gcc; do command -v "$t" >/dev/null && "$t" --version 2>/dev/null | head -1 || echo "no $t"; done
		;;
	esac
}

# image_key NAME APP DOCKERFILE BUILDER EXPORTS
image_key() {
	{
		echo "image recipe $IMAGE_RECIPE bases $BASE_KEY $*"
		builder_version "$4"
		skopeo --version 2>/dev/null || echo none
		[ "$3" = - ] || sha256sum <"$REPO/fixtures/$2/${3%@*}"
		[ "$2" = - ] || hash_tree "$REPO/fixtures/$2"
	} | sha
}

# ---------------------------------------------------------------- base images

bh() { buildah --root "$BH_ROOT" --runroot "$BH_RUNROOT" --storage-driver overlay "$@"; }

# A debootstrapped rootfs made to look like an official "-slim" image.
slim_rootfs() {
	local r=$1
	# npm and pip inside builds must trust the CAs this machine trusts. The machine's own
	# additions also go where update-ca-certificates finds them, so they survive a build step
	# that (re)installs the ca-certificates package.
	mkdir -p "$r/etc/ssl/certs" "$r/usr/local/share/ca-certificates"
	cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
	find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$r/usr/local/share/ca-certificates/" \;
	# debootstrap can bind-mount host devices into the rootfs: nothing of the host may be
	# mounted there before /dev is emptied.
	umount_under "${r:?}"
	rm -rf --one-file-system "${r:?}"/var/lib/apt/lists/* "${r:?}"/var/cache/apt/*.bin "${r:?}"/var/cache/apt/archives/*.deb \
		"${r:?}"/var/log/*.log "${r:?}"/var/log/apt/* "${r:?}"/dev/* "${r:?}"/proc/* "${r:?}"/sys/* "${r:?}"/run/* "${r:?}"/tmp/*
	mkdir -p "$r/var/lib/apt/lists/partial"
	rm -f "$r/etc/hostname" "$r/etc/resolv.conf"
	printf 'localhost\n' >"$r/etc/hostname"
}

node_base_rootfs() {
	local r=$1 prefix
	prefix=$(node_prefix)
	cp "$prefix/bin/node" "$r/usr/bin/node"
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
	local out=$1 tmp=$WORK/bases mirror node_version t0=$SECONDS
	mirror=$(debian_mirror)
	node_version=$(node -v)
	safe_rm "$tmp"
	mkdir -p "$tmp/logs"
	log "debootstrap $SUITE (node and python bases, in parallel)"
	debootstrap --variant=minbase "$SUITE" "$tmp/node-rootfs" "$mirror" >"$tmp/logs/debootstrap-node.log" 2>&1 &
	local p1=$!
	debootstrap --variant=minbase --include=python3,python3-pip,python3-venv \
		"$SUITE" "$tmp/py-rootfs" "$mirror" >"$tmp/logs/debootstrap-py.log" 2>&1 &
	local p2=$!
	local ok=1
	wait "$p1" || { ok=0; tail -20 "$tmp/logs/debootstrap-node.log" >&2; }
	wait "$p2" || { ok=0; tail -20 "$tmp/logs/debootstrap-py.log" >&2; }
	[ "$ok" = 1 ] || die "debootstrap failed"

	node_base_rootfs "$tmp/node-rootfs"
	python_base_rootfs "$tmp/py-rootfs"
	BH_ROOT=$tmp/buildah/root BH_RUNROOT=$tmp/buildah/runroot
	commit_rootfs "$tmp/node-rootfs" localhost/node:20-slim \
		--env NODE_VERSION="${node_version#v}" \
		--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
		--env npm_config_nodedir=/usr \
		--cmd node
	commit_rootfs "$tmp/py-rootfs" localhost/python:3.11-slim \
		--env LANG=C.UTF-8 \
		--env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
		--cmd python3
	safe_rm "$out.tmp"
	mkdir -p "$out.tmp"
	bh push -q localhost/node:20-slim "docker-archive:$out.tmp/node-base.docker.tar:localhost/node:20-slim"
	bh push -q localhost/python:3.11-slim "docker-archive:$out.tmp/py-base.docker.tar:localhost/python:3.11-slim"
	mv "$tmp/logs" "$out.tmp/"
	safe_rm "$tmp"
	touch "$out.tmp/DONE"
	safe_rm "$out"
	mv "$out.tmp" "$out"
	log "base images built in $((SECONDS - t0)) s"
}

# Exporting, checking and publishing an image: scripts/image-exports.sh.
# shellcheck source=scripts/image-exports.sh
. "$(dirname "${BASH_SOURCE[0]}")/image-exports.sh"

# ---------------------------------------------------------------- builders

lane_buildah() {
	local spec name app df exports dir t0
	BH_ROOT=$WORK/buildah/root BH_RUNROOT=$WORK/buildah/runroot
	for spec in "$@"; do
		read -r name app df _ exports <<<"$spec"
		dir=$(image_dir "$spec")
		t0=$SECONDS
		safe_rm "$dir.tmp"
		mkdir -p "$dir.tmp"
		bh pull -q "docker-archive:$BASES/node-base.docker.tar" >/dev/null
		bh pull -q "docker-archive:$BASES/py-base.docker.tar" >/dev/null
		log "buildah: building $name"
		(cd "$REPO/fixtures/$app" && bh bud --layers -f "$df" -t "localhost/weigh/$name:latest" .)
		bh push -q "localhost/weigh/$name:latest" "docker-archive:$dir.tmp/$name.docker.tar:localhost/weigh/$name:latest"
		# The builder's copy is not needed any more: the next image starts from the bases.
		bh rm -a >/dev/null
		bh rmi -a -f >/dev/null
		log "buildah: $name built in $((SECONDS - t0)) s; exporting"
		finish_image $spec "$dir.tmp"
		publish "$dir"
		log "buildah: $name done in $((SECONDS - t0)) s"
	done
	safe_rm "$WORK/buildah"
}

start_dockerd() {
	# The engine's sockets must stay short (unix socket paths are limited to 108 bytes).
	DOCKERD_DIR=$(mktemp -d /tmp/weigh-dockerd.XXXXXX)
	# Where the main script's cleanup finds the engine when this lane is killed.
	echo "$DOCKERD_DIR" >"$WORK/dockerd.dir"
	mkdir -p "$WORK/docker-data" "$WORK/docker-config"
	echo '{}' >"$WORK/docker-config/config.json"
	setsid dockerd --storage-driver overlay2 --iptables=false --ip-masq=false --bridge=none \
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
	tail -20 "$LOGS/dockerd.log" >&2
	die "dockerd did not start"
}

# Stops the engine by the pid it wrote itself: `setsid` may fork, so $! is not always dockerd.
stop_dockerd() {
	[ -n "${DOCKERD_DIR:-}" ] || return 0
	local pid
	pid=$(cat "$DOCKERD_DIR/docker.pid" 2>/dev/null || echo "${DOCKERD_PID:-}")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	[ -z "${DOCKERD_PID:-}" ] || wait "$DOCKERD_PID" 2>/dev/null || true
	DOCKERD_PID=
	safe_rm "$DOCKERD_DIR"
	DOCKERD_DIR=
}

lane_buildkit() {
	local spec name app df exports dir t0
	trap stop_dockerd EXIT
	trap 'exit 143' TERM
	start_dockerd
	/usr/bin/docker load -q -i "$BASES/node-base.docker.tar" >/dev/null
	/usr/bin/docker load -q -i "$BASES/py-base.docker.tar" >/dev/null
	local specs=("$@") i next_app
	for i in "${!specs[@]}"; do
		spec=${specs[$i]}
		read -r name app df _ exports <<<"$spec"
		next_app=$(echo "${specs[$((i + 1))]:-}" | cut -d' ' -f2)
		dir=$(image_dir "$spec")
		t0=$SECONDS
		safe_rm "$dir.tmp"
		mkdir -p "$dir.tmp"
		log "buildkit: building $name"
		local target=()
		case $df in *@*) target=(--target "${df#*@}") df=${df%@*} ;; esac
		(cd "$REPO/fixtures/$app" && DOCKER_BUILDKIT=1 /usr/bin/docker build --progress=plain --network host \
			-f "$df" "${target[@]}" -t "weigh/$name:latest" .)
		/usr/bin/docker save -o "$dir.tmp/$name.docker-save.tar" "weigh/$name:latest"
		/usr/bin/docker rmi "weigh/$name:latest" >/dev/null
		# The build cache stays while the next image is of the same app: Dockerfile.leaky's
		# build stage is Dockerfile.multi's, so its npm ci (and native addon build) is not
		# run again. Then it goes, to keep the disk free.
		[ "$next_app" = "$app" ] || /usr/bin/docker builder prune -a -f >/dev/null
		log "buildkit: $name built in $((SECONDS - t0)) s; exporting"
		# The archive as skopeo writes it, like the buildah images' (and named by tag).
		skopeo copy -q "docker-archive:$dir.tmp/$name.docker-save.tar" \
			"docker-archive:$dir.tmp/$name.docker.tar:weigh/$name:latest"
		case ",$exports," in *,docker-save,*) ;; *) rm -f "$dir.tmp/$name.docker-save.tar" ;; esac
		finish_image $spec "$dir.tmp"
		publish "$dir"
		log "buildkit: $name done in $((SECONDS - t0)) s"
	done
	stop_dockerd
	safe_rm "$WORK/docker-data"
}

# Commits scripts/assemble-images.py's layers with buildah, one commit per layer, each with
# its history entry; the config on the last.
lane_assembled() {
	local spec name app df exports dir t0 asm prev c i n cfg
	BH_ROOT=$WORK/assembled/root BH_RUNROOT=$WORK/assembled/runroot
	for spec in "$@"; do
		read -r name app df _ exports <<<"$spec"
		dir=$(image_dir "$spec")
		t0=$SECONDS
		safe_rm "$dir.tmp"
		mkdir -p "$dir.tmp"
		asm=$WORK/asm-$name
		log "assembled: assembling $name"
		python3 "$REPO/scripts/assemble-images.py" "$name" "$asm" "$WORK/assemble-work"
		prev=scratch
		n=$(find "$asm/layers" -name '*.tar' | wc -l)
		for i in $(seq 0 $((n - 1))); do
			c=$(bh from "$prev")
			bh add "$c" "$asm/layers/$(printf %02d "$i").tar" / >/dev/null
			# What the layer deletes, deleted in the container: the commit records whiteouts.
			local mnt del
			while IFS= read -r del; do
				[ -n "$del" ] || continue
				mnt=$(bh mount "$c")
				rm -rf --one-file-system "${mnt:?}/$del"
				bh umount "$c" >/dev/null
			done < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["deletes"][int(sys.argv[2])]))' "$asm/image.json" "$i")
			bh config --os linux --arch amd64 \
				--created-by "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["history"][int(sys.argv[2])])' "$asm/image.json" "$i")" "$c"
			if [ "$i" = $((n - 1)) ]; then
				local args=()
				mapfile -d '' args < <(python3 - "$asm/image.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["config"]
out = []
for e in c.get("Env", []):
    out += ["--env", e]
if "Entrypoint" in c:
    out += ["--entrypoint", json.dumps(c["Entrypoint"])]
if "Cmd" in c:
    out += ["--cmd", json.dumps(c["Cmd"])]
if "User" in c:
    out += ["--user", c["User"]]
if "WorkingDir" in c:
    out += ["--workingdir", c["WorkingDir"]]
sys.stdout.write("".join(x + "\0" for x in out))
PY
				)
				bh config "${args[@]}" "$c"
			fi
			bh commit -q "$c" "localhost/weigh/$name:step$i" >/dev/null
			bh rm "$c" >/dev/null
			prev=localhost/weigh/$name:step$i
		done
		bh push -q "$prev" "docker-archive:$dir.tmp/$name.docker.tar:localhost/weigh/$name:latest"
		if [ -d "$asm/reference" ]; then cp -r "$asm/reference" "$dir.tmp/$name.reference"; fi
		bh rmi -a -f >/dev/null
		safe_rm "$asm"
		log "assembled: $name built in $((SECONDS - t0)) s; exporting"
		finish_image $spec "$dir.tmp"
		publish "$dir"
		log "assembled: $name done in $((SECONDS - t0)) s"
	done
	# The npm installs, .debs and Go build the images shared: gone with the lane, as they
	# are only needed again when an assembled image is rebuilt.
	safe_rm "$WORK/assembled"
	safe_rm "$WORK/assemble-work"
}

# ---------------------------------------------------------------- main

image_dir() {
	local name app df builder exports
	read -r name app df builder exports <<<"$1"
	echo "$CACHE/images/$name/$(image_key "$name" "$app" "$df" "$builder" "$exports")"
}

LANE_PIDS=()
WORK=
DOCKERD_PID=
DOCKERD_DIR=
cleanup() {
	local rc=$?
	local p
	for p in "${LANE_PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
	for p in "${LANE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	# A lane killed before its own trap ran leaves its engine: stop it from its pid file.
	if [ -n "$WORK" ] && [ -f "$WORK/dockerd.dir" ]; then
		DOCKERD_DIR=$(cat "$WORK/dockerd.dir")
		stop_dockerd
	fi
	[ -z "$WORK" ] || safe_rm "$WORK"
	find "$CACHE" -maxdepth 3 -name '*.tmp' -prune -exec rm -rf --one-file-system {} + 2>/dev/null || true
	[ "$rc" = 0 ] || [ -z "${LOGS:-}" ] || log "failed; logs are in $LOGS"
	exit "$rc"
}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, buildah and dockerd need it)"
[ "$PLAN" = 1 ] || "$REPO/scripts/install-tools.sh"
BASE_KEY=$(base_key)
BASES=$CACHE/bases/$BASE_KEY

todo_buildah=()
todo_buildkit=()
todo_assembled=()
need_gb=0 # tenths, until the end of the plan
big=0
set_key_input=""
for spec in "${IMAGES[@]}"; do
	read -r name _ _ builder _ <<<"$spec"
	dir=$(image_dir "$spec")
	set_key_input+="$dir"$'\n'
	if [ "$FORCE" = 1 ] || [ ! -f "$dir/DONE" ]; then
		need_gb=$((need_gb + $(disk_kept "$name")))
		case $name in *-single-*) big=1 ;; esac
		case $builder in
		buildah) todo_buildah+=("$spec") ;;
		buildkit) todo_buildkit+=("$spec") ;;
		assembled) todo_assembled+=("$spec") ;;
		esac
	fi
done
todo=$((${#todo_buildah[@]} + ${#todo_buildkit[@]} + ${#todo_assembled[@]}))
build_bases_too=0
if [ "$FORCE_BASES" = 1 ] || [ ! -f "$BASES/DONE" ]; then
	build_bases_too=1
	need_gb=$((need_gb + BASES_BUILD))
fi
if [ "$todo" -gt 0 ]; then
	if [ "$big" = 1 ]; then need_gb=$((need_gb + BUILDING_BIG)); else need_gb=$((need_gb + BUILDING_SMALL)); fi
fi
need_gb=$(((need_gb + 9) / 10))
if [ "$PLAN" = 1 ]; then
	printf '%s images %s GB\n' "$((todo + build_bases_too))" "$need_gb" >&3
	exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one run at a time per cache
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

T_START=$SECONDS
if [ $((todo + build_bases_too)) -gt 0 ]; then
	free=$(disk_free "$CACHE")
	[ "$free" -ge $((need_gb * 1000000000)) ] ||
		die "building $((todo + build_bases_too)) images needs ${need_gb} GB free in $CACHE, and only $(gb "$free") is"
	# What a killed run left (this run holds the lock, so no other is using it).
	for d in "$CACHE"/work.* "$CACHE/assemble-work"; do safe_rm "$d"; done
	WORK=$CACHE/work.$$
	mkdir -p "$WORK/tmp"
	# containers/image stages whole layers in TMPDIR (default /var/tmp): keep them with the rest.
	export TMPDIR=$WORK/tmp
	LOGS=$CACHE/logs/$(date -u +%Y%m%dT%H%M%SZ)
	mkdir -p "$LOGS"
	find "$CACHE/logs" -mindepth 1 -maxdepth 1 | sort | head -n -3 | while read -r d; do safe_rm "$d"; done
fi

if [ "$build_bases_too" = 1 ]; then
	build_bases "$BASES"
	find "$CACHE/bases" -mindepth 1 -maxdepth 1 ! -path "$BASES" | while read -r d; do safe_rm "$d"; done
fi
BASE_SPECS=("node-base - - debootstrap zstd,oci-archive" "py-base - - debootstrap zstd,oci-archive")
for spec in "${BASE_SPECS[@]}"; do
	read -r name _ _ _ exports <<<"$spec"
	dir=$CACHE/images/$name/$BASE_KEY-$IMAGE_RECIPE
	set_key_input+="$dir"$'\n'
	[ -f "$dir/DONE" ] && [ "$build_bases_too" = 0 ] && continue
	safe_rm "$dir.tmp"
	mkdir -p "$dir.tmp"
	ln -f "$BASES/$name.docker.tar" "$dir.tmp/$name.docker.tar" 2>/dev/null ||
		cp "$BASES/$name.docker.tar" "$dir.tmp/$name.docker.tar"
	finish_image $spec "$dir.tmp"
	publish "$dir"
done

if [ "$todo" -gt 0 ]; then
	T_BUILD=$SECONDS
	# The two builders run side by side: much of a build is waiting on downloads or on one
	# single-threaded compile.
	set -m # each lane in its own process group, so cleanup can stop it whole
	lanes=()
	if [ ${#todo_buildah[@]} -gt 0 ]; then
		lane_buildah "${todo_buildah[@]}" >"$LOGS/buildah.log" 2>&1 &
		LANE_PIDS+=($!)
		lanes+=(buildah)
	fi
	if [ ${#todo_buildkit[@]} -gt 0 ]; then
		lane_buildkit "${todo_buildkit[@]}" >"$LOGS/buildkit.log" 2>&1 &
		LANE_PIDS+=($!)
		lanes+=(buildkit)
	fi
	if [ ${#todo_assembled[@]} -gt 0 ]; then
		lane_assembled "${todo_assembled[@]}" >"$LOGS/assembled.log" 2>&1 &
		LANE_PIDS+=($!)
		lanes+=(assembled)
	fi
	set +m
	failed=0
	for i in "${!LANE_PIDS[@]}"; do
		if ! wait "${LANE_PIDS[$i]}"; then
			failed=1
			log "the ${lanes[$i]} lane failed; last lines of $LOGS/${lanes[$i]}.log:"
			tail -40 "$LOGS/${lanes[$i]}.log" >&2
		fi
	done
	LANE_PIDS=()
	[ "$failed" = 0 ] || die "image builds failed"
	for lane in "${lanes[@]}"; do
		grep -E ': [a-z-]+ done in [0-9]+ s$' "$LOGS/$lane.log" | sed "s/^[0-9:]* \[[a-z-]*\] /  /" >&2 || true
	done
	log "images built and exported in $((SECONDS - T_BUILD)) s"
fi

# The set of current images, as one directory of hard links (directories as trees of them):
# no copy, and a test that copies a layout gets its files, not links to the cache.
SET=$CACHE/sets/$(printf '%s' "$set_key_input" | sha)
if [ ! -f "$SET/DONE" ]; then
	safe_rm "$SET.tmp"
	mkdir -p "$SET.tmp"
	{
		echo "# weigh real images; bases $BASE_KEY, image recipe $IMAGE_RECIPE"
		echo "# node $(node -v); $(buildah --version); $(skopeo --version); $(dockerd --version)"
		printf '# name\tapp\tdockerfile\tbuilder\tlayers\tuncompressed_bytes\n'
	} >"$SET.tmp/manifest.txt"
	while read -r dir; do
		[ -n "$dir" ] || continue
		cat "$dir/info.tsv" >>"$SET.tmp/manifest.txt"
		for f in "$dir"/*; do
			case ${f##*/} in DONE | info.tsv) continue ;; esac
			cp -al "$f" "$SET.tmp/${f##*/}"
		done
	done <<<"$set_key_input"
	touch "$SET.tmp/DONE"
	mv "$SET.tmp" "$SET"
	find "$CACHE/sets" -mindepth 1 -maxdepth 1 ! -path "$SET" | while read -r d; do safe_rm "$d"; done
fi
[ -z "$WORK" ] || { safe_rm "$WORK"; WORK=; }
log "ready in $((SECONDS - T_START)) s: $SET"
printf '%s\n' "$SET" >&3
