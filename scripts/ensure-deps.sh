#!/bin/sh
# Installs the npm packages when they are missing or the lock file changed since the last install.
# `npm ci` installs exactly what package-lock.json records and never rewrites it, so a clone stays
# clean; the lock holds the optional native binaries (DuckDB, swc, esbuild) of Linux and macOS.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (npm ci)..." >&2
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "npm ci failed: if package.json changed, run \`npm install\` and commit the updated package-lock.json" >&2
    exit 1
  fi
fi
# `npx pipeline ...` in a clone: link the project's own command beside its dependencies' ones.
ln -sf ../../bin/pipeline.js node_modules/.bin/pipeline
