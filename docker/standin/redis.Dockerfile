# A stand-in for the official redis image (Debian's Redis 7.0, where the compose file names redis:7.2-bookworm):
# redis-server on every interface of the container, without protected mode, data in /data, redis-cli for the check.
ARG DEBIAN_IMAGE=localhost/cleverreach-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--dir", "/data"]
