#!/bin/sh
# Installs the npm packages when they are missing or the lock file changed since the last install.
set -e
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
# `npx pipeline ...` in a clone: link the project's own command beside its dependencies' ones.
ln -sf ../../bin/pipeline.js node_modules/.bin/pipeline
