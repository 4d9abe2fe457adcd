#!/bin/sh
# Installs the npm packages when they are missing or the lock file changed since the last install.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages..." >&2
  # npm 11 records only this platform's optional binaries (DuckDB, swc) in the lock file and then
  # rejects that lock in `npm ci`; `npm install` honours the same locked versions.
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
fi
# `npx pipeline ...` in a clone: link the project's own command beside its dependencies' ones.
ln -sf ../../bin/pipeline.js node_modules/.bin/pipeline
