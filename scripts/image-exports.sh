# Sourced by scripts/real-images.sh: how a built image is exported (the layouts beside its
# docker-archive), checked (what it must and must not hold), and published into the cache.
# Uses the caller's CACHE, log, die and safe_rm.

# export_formats NAME DIR EXPORTS: the layouts beside DIR/NAME.docker.tar.
export_formats() {
	local name=$1 dir=$2 exports=$3 src=$2/$1.docker.tar
	skopeo copy -q "docker-archive:$src" "oci:$dir/$name.oci:latest" --dest-compress
	case ",$exports," in *,zstd,*)
		skopeo copy -q "docker-archive:$src" "oci:$dir/$name.zstd.oci:latest" \
			--dest-compress --dest-compress-format zstd
		;;
	esac
	# An oci-archive is the layout as a tar (what skopeo writes for oci-archive:), so the
	# gzip layers need not be compressed a second time.
	case ",$exports," in *,oci-archive,*)
		tar --sort=name --owner=0 --group=0 --numeric-owner -C "$dir/$name.oci" -cf "$dir/$name.oci.tar" .
		;;
	esac
}

# Lists every path in a docker-archive's layers to FILE and prints "LAYERS BYTES" (layer
# count, sum of the uncompressed layer tars).
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

# What every image must (and must not) hold, so a build that silently went wrong (an
# addon left unbuilt, a stage copied from the wrong place) fails here, not in a test.
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
	alpine-*) expect '^lib/apk/db/installed$' ; expect '^lib/ld-musl-x86_64\.so\.1$' ; expect '^usr/local/bin/node$' ;;
	distroless-cc) expect '^var/lib/dpkg/status\.d/libc6$' ; expect '^etc/ssl/certs/ca-certificates\.crt$' ; expect_not '^nodejs/' ;;
	distroless-*) expect '^var/lib/dpkg/status\.d/libc6$' ; expect '^nodejs/bin/node$' ; expect_not '^var/lib/dpkg/status$' ;;
	rpm-*) expect '^var/lib/rpm/rpmdb\.sqlite$' ; expect '^usr/bin/node$' ;;
	go-*) expect '^app/server$' ;;
	py-*) expect 'packages/flask/__init__\.py$' ;;
	esac
	case $name in
	node-single-*) expect '^usr/bin/g\+\+' ; expect '^app/node_modules/typescript/package\.json$' ;;
	node-multi-*) expect_not '^usr/bin/(gcc|g\+\+|make)' ; expect_not '^app/node_modules/typescript/' ;;
	node-leaky-*) expect_not '^usr/bin/(gcc|g\+\+|make)' ; expect '^app/node_modules/typescript/package\.json$' ;;
	py-single-*) expect '^usr/bin/gcc' ; expect 'packages/pytest/' ;;
	py-multi-*) expect '^opt/venv/bin/gunicorn$' ; expect_not '^usr/bin/gcc' ; expect_not 'packages/pytest/' ;;
	alpine-single) expect '^usr/bin/g\+\+$' ; expect 'sharp-linuxmusl-x64\.node$' ; expect '^app/node_modules/typescript/' ;;
	alpine-multi) expect_not '^usr/bin/g\+\+' ; expect 'sharp-linuxmusl-x64\.node$' ; expect_not 'node_modules/typescript/' ;;
	alpine-glibc) expect 'sharp-linux-x64\.node$' ; expect_not 'linuxmusl' ;;
	alpine-secret) expect '^app/\.npmrc$' ; expect '^app/\.wh\.\.npmrc$' ;;
	pnpm-api-*) expect '^app/packages/api/dist/server\.js$' ; expect '^app/node_modules/\.pnpm/express@' ;;
	pnpm-web-*) expect '^app/packages/web/dist/main\.js$' ; expect '^app/node_modules/\.pnpm/dayjs@' ;;
	pnpm-deploy-*) expect '^prod/api/node_modules/\.modules\.yaml$' ; expect '^prod/api/dist/server\.js$' ;;
	pnpm-single-*) expect '^pnpm/store/v3/' ; expect '^app/node_modules/\.pnpm/typescript@' ;;
	esac
	case $name in
	pnpm-api-* | pnpm-web-* | pnpm-deploy-*) expect_not '^pnpm/store' ; expect_not 'node_modules/\.pnpm/typescript@' ;;
	esac
	return "$fail"
}

# finish NAME APP DOCKERFILE BUILDER EXPORTS DIR: exports, checks and records a built image
# whose docker archive is in DIR.
finish_image() {
	local name=$1 dir=$6 info layers bytes
	export_formats "$name" "$dir" "$5"
	info=$(inspect_archive "$dir/$name.docker.tar" "$dir/paths.txt")
	read -r layers bytes <<<"$info"
	check_image "$name" "$dir/paths.txt" || die "$name does not look as expected"
	rm -f "$dir/paths.txt"
	case ",$5," in *,oci-only,*) rm -f "$dir/$name.docker.tar" ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$2" "$3" "$4" "$layers" "$bytes" >"$dir/info.tsv"
	log "$(printf '%-22s %2s layers %6s MB' "$name" "$layers" "$((bytes / 1000000))")"
}

# The images' final place: DIR.tmp becomes DIR, and older versions of the image go. Its
# blobs that an image published before holds too (every node image's base layer, compressed
# the same way by the same skopeo) become links to that copy at once, so the cache does not
# hold them twice while the lanes still build: about a gigabyte at the suite's disk peak.
# Published images are never written again, and one lane links at a time.
publish() {
	local dir=$1 parent
	date -u +%Y-%m-%dT%H:%M:%SZ >"$dir.tmp/DONE"
	safe_rm "$dir"
	mv "$dir.tmp" "$dir"
	parent=$(dirname "$dir")
	for old in "$parent"/*; do
		[ "$old" = "$dir" ] || safe_rm "$old"
	done
	flock "$CACHE/.dedupe" hardlink -q -c -s 1M "$CACHE/images" || true
}

