#!/bin/sh
# What the tests need from Debian's packages, installed when it is missing (run by `npm test`):
# Chromium for the player page's browser test, redis-server for the shared-store and
# multi-instance tests, kubectl (kubernetes-client) to render the kustomize kit as operators do.
# Nothing else is installed by hand.
set -eu
missing=""
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  missing="$missing chromium"
fi
if ! command -v redis-server >/dev/null 2>&1; then
  missing="$missing redis-server"
fi
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  missing="$missing postgresql"
fi
if ! command -v kubectl >/dev/null 2>&1; then
  missing="$missing kubernetes-client"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing$missing (Debian) for the tests" >&2
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "setup:$missing missing and cannot be installed here (root and apt-get are needed); their tests will fail" >&2
fi
