# weigh's own image, built the way weigh advises: the toolchain, the sources and cargo's
# caches stay in the build stage; the final stage holds the binary on distroless's C runtime
# and runs as a non-root user.
#
#   docker build -t weigh .
#   docker save app:latest -o app.tar && docker run --rm -v "$PWD/app.tar:/app.tar:ro" weigh inspect /app.tar
#
# Where no Rust image can be pulled, build the binary on the host and take it from the
# context instead (the end-to-end tier does this):
#
#   cargo build --release && mkdir -p bin && cp target/release/weigh bin/
#   docker build --build-arg BINARY=prebuilt -t weigh .

# The stage the binary comes from: build (compiled here) or prebuilt (bin/weigh).
ARG BINARY=build
ARG RUNTIME=gcr.io/distroless/cc-debian12:nonroot

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
# --version names the commit: .git is not in the context (.dockerignore).
ARG WEIGH_COMMIT=
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    WEIGH_COMMIT=$WEIGH_COMMIT cargo build --release --locked --bin weigh \
    && install -D -s target/release/weigh /out/weigh

FROM scratch AS prebuilt
COPY bin/weigh /out/weigh

FROM ${BINARY} AS binary

FROM ${RUNTIME}
COPY --from=binary /out/weigh /usr/local/bin/weigh
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["weigh"]
CMD ["--help"]
