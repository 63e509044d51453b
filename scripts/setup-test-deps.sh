#!/bin/sh
# What the tests need from Debian's packages, installed when it is missing (run by `npm test`):
# Chromium for the player page's browser test. Nothing else is installed by hand.
set -eu
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing chromium (Debian) for the browser test" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "setup: chromium is missing and cannot be installed here (root and apt-get are needed); the browser test will fail" >&2
fi
