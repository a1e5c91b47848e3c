#!/usr/bin/env bash
# Refresh the vendored browser libraries from the npm registry (only when upgrading them).
# Contributors never run this: the pinned files are committed, and pages need no build step.
# vega-interpreter ships as an ES module only; esbuild turns it into one classic script so the
# pages can keep a Content-Security-Policy without 'unsafe-eval' (Vega's default expression
# compiler builds functions from strings).
set -euo pipefail
cd "$(dirname "$0")/.."
VEGA=6.4.0 VEGA_LITE=6.5.0 VEGA_EMBED=7.3.0 VEGA_INTERPRETER=2.3.2 AXE=4.14.1 ESBUILD=0.25.12
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  npm init -y >/dev/null
  npm install --no-audit --no-fund --ignore-scripts "vega@$VEGA" "vega-lite@$VEGA_LITE" \
    "vega-embed@$VEGA_EMBED" "vega-interpreter@$VEGA_INTERPRETER" "axe-core@$AXE" "esbuild@$ESBUILD" >/dev/null
  npm rebuild esbuild >/dev/null
  echo "export { expressionInterpreter } from 'vega-interpreter';" > interpreter.js
  npx esbuild interpreter.js --bundle --minify --format=iife --global-name=vegaInterpreter \
    --outfile=vega-interpreter.min.js --log-level=warning
)
static=src/mlhive/server/web/static/vendor
mkdir -p "$static" tests/web/assets
cp "$work/node_modules/vega/build/vega.min.js" "$static/"
cp "$work/node_modules/vega-lite/build/vega-lite.min.js" "$static/"
cp "$work/node_modules/vega-embed/build/vega-embed.min.js" "$static/"
cp "$work/vega-interpreter.min.js" "$static/"
cp "$work/node_modules/vega/LICENSE" "$static/LICENSE-vega.txt"
cp "$work/node_modules/vega-lite/LICENSE" "$static/LICENSE-vega-lite.txt"
cp "$work/node_modules/vega-embed/LICENSE" "$static/LICENSE-vega-embed.txt"
cp "$work/node_modules/vega-interpreter/LICENSE" "$static/LICENSE-vega-interpreter.txt"
cp "$work/node_modules/axe-core/axe.min.js" tests/web/assets/
cp "$work/node_modules/axe-core/LICENSE" tests/web/assets/LICENSE-axe-core.txt
python3 - "$static" tests/web/assets <<PY
import hashlib, json, pathlib, sys
pins = {"vega": "$VEGA", "vega-lite": "$VEGA_LITE", "vega-embed": "$VEGA_EMBED",
        "vega-interpreter": "$VEGA_INTERPRETER", "axe": "$AXE"}
for folder in sys.argv[1:]:
    folder = pathlib.Path(folder)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.js"))}
    versions = {p.name: pins[p.name.removesuffix(".min.js")] for p in sorted(folder.glob("*.js"))}
    doc = {"versions": versions, "sha256": files}
    (folder / "VERSIONS.json").write_text(json.dumps(doc, indent=2) + "\n")
PY
echo "vendored into $static and tests/web/assets"
