#!/usr/bin/env bash
# Installs the peers the benchmarks compare against (Debian packages): Pushpin for bench/fanout.py.
set -euo pipefail
if ! command -v pushpin >/dev/null 2>&1; then
    echo "bench: installing pushpin"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pushpin
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "bench: installing redis-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
fi
