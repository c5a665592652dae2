#!/bin/sh
# Regenerates the data in this directory from the committed package.json files
# and lockfiles (frozen installs; nothing is re-resolved).
#
#   sh regen.sh [OUTDIR]        (default OUTDIR: this directory)
#
# Needs on PATH: node 20, pnpm 9.15.9, yarn 1.22.22. For yarn berry set
# BERRY to the yarn.js of @yarnpkg/cli-dist 4.18.1, e.g. after
#   npm install --prefix "$T" @yarnpkg/cli-dist@4.18.1
#   BERRY="$T/node_modules/@yarnpkg/cli-dist/bin/yarn.js"
# The registry used is npm's configured one (`npm config get registry`).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE}
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
: "${BERRY:?set BERRY to @yarnpkg/cli-dist/bin/yarn.js}"
REG=$(npm config get registry 2>/dev/null); case $REG in */) ;; *) REG="$REG/";; esac
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export YARN_ENABLE_TELEMETRY=0 COREPACK_ENABLE_STRICT=0

paths() { # PROJECTDIR -> paths.txt on stdout
  (cd "$1" && find node_modules -printf '%p\t%y\t%s\t%l\n' | LC_ALL=C sort -t "$(printf '\t')" -k1,1 |
    awk -F'\t' '{ if ($2=="d") print "d " $1; else if ($2=="f") print "f " $3 " " $1;
                  else if ($2=="l") print "l " $4 " " $1; else print "? " $1 }')
}
scrub_yarn1() { sed -i 's#https://[^/" ]*/#https://registry.invalid/#g' "$@"; }
scrub_pnpm() {
  sed -i -e 's#^\(  default: \).*#\1https://registry.invalid/#' \
         -e 's#^storeDir: .*#storeDir: /root/.local/share/pnpm/store/v3#' "$1"
}
lists() { # MANAGERDIR FULLPROJECT PRODPROJECT
  paths "$2" > "$1/paths.txt"; paths "$3" > "$1/prod/paths.txt"
  node "$HERE/list-packages.js" "$2" | LC_ALL=C sort > "$1/all-packages.txt"
  node "$HERE/list-packages.js" "$3" | LC_ALL=C sort > "$1/prod-packages.txt"
  cut -d' ' -f1 "$1/all-packages.txt" > "$WORK/a"; cut -d' ' -f1 "$1/prod-packages.txt" > "$WORK/p"
  LC_ALL=C comm -23 "$WORK/a" "$WORK/p" | LC_ALL=C join -j1 - "$1/all-packages.txt" > "$1/dev-packages.txt"
}

# ---- pnpm ----
for v in full prod; do
  P="$WORK/pnpm-$v"; mkdir -p "$P"; cp "$HERE/pnpm/package.json" "$HERE/pnpm/pnpm-lock.yaml" "$P/"
  flag=; [ $v = prod ] && flag=--prod
  (cd "$P" && pnpm install --frozen-lockfile $flag --store-dir "$WORK/pnpm-store" --registry "$REG")
  scrub_pnpm "$P/node_modules/.modules.yaml"
done
M="$OUT/pnpm"; mkdir -p "$M/node_modules/.pnpm" "$M/prod/node_modules/.pnpm"
cp "$WORK/pnpm-full/package.json" "$WORK/pnpm-full/pnpm-lock.yaml" "$M/"
cp "$WORK/pnpm-full/node_modules/.modules.yaml" "$M/node_modules/"
cp "$WORK/pnpm-full/node_modules/.pnpm/lock.yaml" "$M/node_modules/.pnpm/"
cp "$WORK/pnpm-prod/node_modules/.modules.yaml" "$M/prod/node_modules/"
cp "$WORK/pnpm-prod/node_modules/.pnpm/lock.yaml" "$M/prod/node_modules/.pnpm/"
lists "$M" "$WORK/pnpm-full" "$WORK/pnpm-prod"

# ---- yarn classic ----
for v in full prod; do
  P="$WORK/yarn1-$v"; mkdir -p "$P"; cp "$HERE/yarn-classic/package.json" "$HERE/yarn-classic/yarn.lock" "$P/"
  sed -i "s#https://registry.invalid/#$REG#g" "$P/yarn.lock"
  flag=; [ $v = prod ] && flag=--production
  (cd "$P" && yarn install --frozen-lockfile --non-interactive $flag --cache-folder "$WORK/yarn1-cache")
  scrub_yarn1 "$P/yarn.lock" "$P/node_modules/.yarn-integrity"
done
M="$OUT/yarn-classic"; mkdir -p "$M/node_modules" "$M/prod/node_modules"
cp "$WORK/yarn1-full/package.json" "$WORK/yarn1-full/yarn.lock" "$M/"
cp "$WORK/yarn1-full/node_modules/.yarn-integrity" "$M/node_modules/"
cp "$WORK/yarn1-prod/node_modules/.yarn-integrity" "$M/prod/node_modules/"
lists "$M" "$WORK/yarn1-full" "$WORK/yarn1-prod"

# ---- yarn berry (nodeLinker: node-modules) ----
for v in full prod; do
  P="$WORK/berry-$v"; mkdir -p "$P"
  cp "$HERE/yarn-berry/package.json" "$HERE/yarn-berry/yarn.lock" "$HERE/yarn-berry/.yarnrc.yml" "$P/"
  if [ $v = prod ]; then
    (cd "$P" && YARN_ENABLE_IMMUTABLE_INSTALLS=1 YARN_NPM_REGISTRY_SERVER="$REG" node "$BERRY" workspaces focus --production)
  else
    (cd "$P" && YARN_NPM_REGISTRY_SERVER="$REG" node "$BERRY" install --immutable)
  fi
done
M="$OUT/yarn-berry"; mkdir -p "$M/node_modules" "$M/prod/node_modules"
cp "$WORK/berry-full/package.json" "$WORK/berry-full/yarn.lock" "$WORK/berry-full/.yarnrc.yml" "$M/"
cp "$WORK/berry-full/node_modules/.yarn-state.yml" "$M/node_modules/"
cp "$WORK/berry-prod/node_modules/.yarn-state.yml" "$M/prod/node_modules/"
lists "$M" "$WORK/berry-full" "$WORK/berry-prod"

host=$(printf '%s' "$REG" | sed -e 's#^[a-z]*://##' -e 's#[/:].*##')
if grep -rlF "$host" "$OUT"/pnpm "$OUT"/yarn-classic "$OUT"/yarn-berry; then
  echo "registry host left in the files above" >&2; exit 1
fi
echo "done: $OUT"
