#!/bin/sh
# Installs Debian's chromium for the Web UI browser test when it is missing. Playwright's own
# browser downloads are not used: the test drives this system browser through playwright-core.
# As root it installs with apt-get; otherwise it says what to install and fails.
set -e
CHROMIUM="${PIPELINE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing at $CHROMIUM: install Debian's chromium (sudo apt-get install -y chromium)" \
    "or point PIPELINE_CHROMIUM at a Chromium binary" >&2
  exit 1
fi
echo "installing chromium (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
  echo "apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
