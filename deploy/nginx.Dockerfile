# nginx with the cache purge module (Debian's libnginx-mod-http-cache-purge), running deploy/nginx.conf:
# the cache in front of the web processes that the projector purges.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light libnginx-mod-http-cache-purge \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && mkdir -p /var/cache/nginx/newsroom \
    && ln -sf /dev/stderr /var/log/nginx/error.log && ln -sf /dev/null /var/log/nginx/access.log
COPY deploy/nginx.conf /etc/nginx/conf.d/newsroom.conf
EXPOSE 80 8081
CMD ["nginx", "-g", "daemon off;"]
