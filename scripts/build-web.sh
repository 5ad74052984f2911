#!/usr/bin/env bash
# Builds the web UI (web/) into OUT: esbuild bundles web/src/main.jsx (Preact, JSX) into
# OUT/assets/app-<hash>.js and .css, web/static/* is copied into OUT/assets/, and
# OUT/index.html is web/index.html with the bundle's names filled in. Prints the size of
# what the browser downloads (gzipped), and fails above the budget (300 KB of JavaScript).
# Installs web/node_modules from web/package-lock.json when they are missing or stale (as
# scripts/deps.sh does). scripts/embed-web.sh then turns OUT into a C file.
#
# usage: scripts/build-web.sh OUT
set -euo pipefail
OUT=${1:?usage: build-web.sh OUT}
cd "$(dirname "$0")/.."
BUDGET_JS_GZ=$((300 * 1024))
if [ ! -x web/node_modules/.bin/esbuild ] || ! cmp -s web/package-lock.json web/node_modules/.weir-lock; then
	echo "web: npm ci in web/"
	(cd web && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.weir-lock)
fi
rm -rf "$OUT"
mkdir -p "$OUT/assets"
web/node_modules/.bin/esbuild web/src/main.jsx --bundle --minify --format=esm --target=es2020 \
	--jsx=automatic --jsx-import-source=preact --outdir="$OUT/assets" --entry-names='app-[hash]' \
	--metafile="$OUT/meta.json" --legal-comments=none --log-level=warning --charset=utf8
cp web/static/* "$OUT/assets/"
js=$(cd "$OUT/assets" && ls app-*.js)
css=$(cd "$OUT/assets" && ls app-*.css)
sed -e "s|@APP_JS@|/assets/$js|" -e "s|@APP_CSS@|/assets/$css|" web/index.html > "$OUT/index.html"
rm -f "$OUT/meta.json"
js_gz=$(gzip -9 -n -c "$OUT/assets/$js" | wc -c)
css_gz=$(gzip -9 -n -c "$OUT/assets/$css" | wc -c)
echo "web: $js $(wc -c < "$OUT/assets/$js") bytes, $js_gz gzipped; $css $(wc -c < "$OUT/assets/$css") bytes, $css_gz gzipped (JavaScript budget: $BUDGET_JS_GZ gzipped)"
if [ "$js_gz" -gt "$BUDGET_JS_GZ" ]; then
	echo "web: the JavaScript is over its budget of $BUDGET_JS_GZ bytes gzipped" >&2
	exit 1
fi
touch "$OUT/.built"
