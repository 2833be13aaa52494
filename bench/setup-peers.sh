#!/usr/bin/env bash
# Installs the engines the benchmarks compare against and the edge tests stand on (Debian packages):
# Pushpin (GRIP proxy, and bench/fanout.py's peer), nginx with the cache purge module (deploy/nginx.conf),
# Redis (a cluster of its own for tests/integration/test_redis_cluster.py).
set -euo pipefail
missing=()
command -v pushpin >/dev/null 2>&1 || missing+=(pushpin)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ] || missing+=(libnginx-mod-http-cache-purge)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}"
    apt-get update -qq
    # No service starts: the tests and benchmarks run their own instances on free ports.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
