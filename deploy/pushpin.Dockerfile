# Pushpin (Debian's package) running deploy/pushpin.conf: holds live readers for the web processes.
# Its runner starts zurl itself, so the zurl sockets move under Pushpin's run directory (as tests/edges.py
# does for the tests).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends pushpin \
    && rm -rf /var/lib/apt/lists/* \
    && sed -i 's#ipc:///var/run/zurl/zurl-#ipc://{rundir}/{ipc_prefix}zurl-#' /usr/lib/pushpin/internal.conf \
    && mkdir -p /var/run/pushpin /var/log/pushpin
COPY deploy/pushpin.conf /etc/pushpin/pushpin.conf
# Every request goes on to the cache in front of the web processes.
RUN echo "* lb:80" > /etc/pushpin/routes
EXPOSE 7999 5561
CMD ["pushpin", "--config", "/etc/pushpin/pushpin.conf"]
