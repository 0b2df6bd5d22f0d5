#!/bin/sh
# Copy front-end assets from node_modules into Forvalta's static files.
#
# The copies are committed, so installing or running Forvalta never needs npm
# or a CDN. To update htmx or Swagger UI: change the pinned version in
# package.json, then
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

# Swagger UI for the API documentation at /api/docs/ (forvalta.core.api_views.ApiDocsView).
swagger="$root/node_modules/swagger-ui-dist"
swagger_dest="$dest/swagger-ui"
if [ ! -f "$swagger/swagger-ui-bundle.js" ]; then
    echo "vendor-assets: $swagger/swagger-ui-bundle.js not found; run 'npm install' in $root first." >&2
    exit 1
fi
swagger_version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$swagger/package.json" | head -n 1)
mkdir -p "$swagger_dest"
for file in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png; do
    cp "$swagger/$file" "$swagger_dest/$file"
done
# The bundles end with a sourceMappingURL comment; the maps are not vendored.
sed -i '/^\/\/# sourceMappingURL=/d' "$swagger_dest/swagger-ui-bundle.js" \
    "$swagger_dest/swagger-ui-standalone-preset.js"
sed -i 's#/\*\# sourceMappingURL=[^*]*\*/##' "$swagger_dest/swagger-ui.css"
{
    echo "Swagger UI $swagger_version"
    echo "Source: npm package swagger-ui-dist@$swagger_version (files swagger-ui-bundle.js,"
    echo "swagger-ui-standalone-preset.js, swagger-ui.css, favicon-32x32.png)"
    echo "Vendored by scripts/vendor-assets.sh; do not edit by hand."
    echo
    cat "$swagger/NOTICE"
    echo
    cat "$swagger/LICENSE"
    echo
    cat "$swagger/swagger-ui-bundle.js.LICENSE.txt"
} > "$swagger_dest/LICENSE.txt"

echo "vendor-assets: Swagger UI $swagger_version -> forvalta/core/static/vendor/swagger-ui/"

# axe-core for the accessibility checks of the browser tests (never served: it lives
# beside the tests, not among the static files).
axe="$root/node_modules/axe-core"
axe_dest="$root/forvalta/core/tests/vendor"
if [ ! -f "$axe/axe.min.js" ]; then
    echo "vendor-assets: $axe/axe.min.js not found; run 'npm install' in $root first." >&2
    exit 1
fi
axe_version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$axe/package.json" | head -n 1)
mkdir -p "$axe_dest"
cp "$axe/axe.min.js" "$axe_dest/axe.min.js"
{
    echo "axe-core $axe_version"
    echo "Source: npm package axe-core@$axe_version, file axe.min.js"
    echo "Vendored by scripts/vendor-assets.sh; do not edit by hand."
    echo
    cat "$axe/LICENSE"
} > "$axe_dest/axe.LICENSE.txt"
echo "vendor-assets: axe-core $axe_version -> forvalta/core/tests/vendor/axe.min.js"
