#!/bin/sh
# Browser tests drive Debian's chromium package (Playwright cannot download browsers here).
# Installs it when missing and this machine can (root with apt-get); otherwise the tests say why they skip.
set -e
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the browser tests (apt-get)..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "chromium is missing and cannot be installed here (needs root and apt-get): browser tests will skip" >&2
fi
