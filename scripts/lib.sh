# Helpers shared by scripts/test.sh and scripts/real-images.sh (sourced, not run).

# A line on stderr with the time of day and who says it.
log() { printf '%s [%s] %s\n' "$(date +%H:%M:%S)" "${LOG_TAG:-weigh}" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Bytes used on the filesystem holding $1.
disk_used() { df --output=used -B1 "$1" | tail -n 1 | tr -d ' '; }
disk_free() { df --output=avail -B1 "$1" | tail -n 1 | tr -d ' '; }
gb() { awk -v b="$1" 'BEGIN { printf "%.1f GB", b / 1e9 }'; }

# Unmount anything still mounted below a directory (a killed chroot RUN, debootstrap or an
# overlay mount of a builder can leave mounts there), deepest first.
umount_under() {
	local d
	d=$(readlink -f "$1" 2>/dev/null) || return 0
	awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}

safe_rm() {
	local d
	for d in "$@"; do
		[ -e "$d" ] || [ -L "$d" ] || continue
		umount_under "$d"
		rm -rf --one-file-system "$d"
	done
}

# A short hash of stdin.
sha() { sha256sum | cut -c1-16; }

# Hash of every file under a directory (relative names and contents), minus what a local
# install or test run leaves behind.
hash_tree() {
	(cd "$1" && find . -type f \
		! -path '*/node_modules/*' ! -path './dist/*' ! -path '*/__pycache__/*' \
		! -path '*/.pytest_cache/*' ! -path '*/.mypy_cache/*' -print0 |
		sort -z | xargs -0 -r sha256sum) | sha
}
