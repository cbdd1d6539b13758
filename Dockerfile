# syntax=docker/dockerfile:1
# atelio-gateway image: a release build on the Rust image, then only the binary on distroless
# (glibc + libgcc, no shell, no package manager). Build: docker build -t atelio-gateway:0.1.0 .
# Protobuf is compiled by protox inside build.rs, so no protoc is needed; SQLite is bundled.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
# Everything cargo needs to resolve the package: manifests, build script, protos, sources, and the
# bench targets that Cargo.toml declares.
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto ./proto
COPY src ./src
COPY benches ./benches
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin atelio-gateway \
    && install -D -m 0755 target/release/atelio-gateway /out/atelio-gateway \
    && install -d -m 0750 -o 10001 -g 10001 /out/data

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="atelio-gateway" \
      org.opencontainers.image.description="gRPC gateway in front of the Atelio REST API" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/atelio-gateway /usr/local/bin/atelio-gateway
# /data (SQLite files) owned by the runtime user, so an anonymous volume is writable too.
COPY --from=build --chown=10001:10001 /out/data /data
# The default sqlite path is relative (data/atelio-gateway.sqlite3): from / it lands in /data.
WORKDIR /
USER 10001:10001
VOLUME /data
# gRPC, webhook listener, admin (/metrics, /livez, /readyz).
EXPOSE 50051 8080 9090
# Plaintext gRPC health check (Docker / compose; Kubernetes uses its own probes).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/atelio-gateway", "health-probe", "--addr", "127.0.0.1:50051"]
ENTRYPOINT ["/usr/local/bin/atelio-gateway"]
CMD ["serve"]
