#!/bin/sh
# Copy front-end assets from node_modules into Forvalta's static files.
#
# The copies are committed, so installing or running Forvalta never needs npm
# or a CDN. To update htmx: change the pinned version in package.json, then
#   npm install && scripts/vendor-assets.sh
# and commit package.json, package-lock.json and forvalta/core/static/vendor/.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/node_modules/htmx.org"
dest="$root/forvalta/core/static/vendor"

if [ ! -f "$src/dist/htmx.min.js" ]; then
    echo "vendor-assets: $src/dist/htmx.min.js not found; run 'npm install' in $root first." >&2
    exit 1
fi

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$src/package.json" | head -n 1)

mkdir -p "$dest"
cp "$src/dist/htmx.min.js" "$dest/htmx.min.js"
{
    echo "htmx $version"
    echo "Source: npm package htmx.org@$version, file dist/htmx.min.js"
    echo "Vendored by scripts/vendor-assets.sh; do not edit by hand."
    echo
    cat "$src/LICENSE"
} > "$dest/htmx.LICENSE.txt"

echo "vendor-assets: htmx $version -> forvalta/core/static/vendor/htmx.min.js"
