# syntax=docker/dockerfile:1.7
#
# cnn-trainer: one image for both roles (`api`, `worker`; see docker/entrypoint.sh).
#
#   docker build --build-arg FLAVOR=cpu  -t cnn-trainer:cpu  .
#   docker build --build-arg FLAVOR=cuda -t cnn-trainer:cuda .
#
# FLAVOR=cpu   Debian bookworm + Node 20 (the official node image) + Debian's
#              libtorch (CPU only).
# FLAVOR=cuda  PyTorch's CUDA image; the native addon builds against the
#              libtorch inside its Python `torch` (scripts/libtorch.mjs finds it
#              through PYTHON), and the runtime stage is the matching -runtime
#              image, so the addon's rpath into that torch/lib holds. Node 20 is
#              copied in from the official node image (no NodeSource).
#
# Stages: build-<flavor> (toolchain + libtorch headers) -> build (npm ci,
# addon, TypeScript, then production deps only) -> runtime-<flavor> (libtorch
# shared libraries) -> runtime (the app, non-root, HEALTHCHECK).

ARG FLAVOR=cpu
ARG NODE_IMAGE=node:20-bookworm
ARG NODE_SLIM_IMAGE=node:20-bookworm-slim
# Devel and runtime images must share this tag: the addon links to torch/lib by absolute path.
ARG PYTORCH_TAG=2.5.1-cuda12.4-cudnn9

FROM ${NODE_IMAGE} AS node

# ---------------------------------------------------------------- build environments

FROM ${NODE_IMAGE} AS build-cpu
# node:20-bookworm already has g++, make and python3 (for node-gyp); libjpeg-dev and zlib1g-dev for the image decoder.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtorch-dev libopenblas0-pthread libjpeg-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*

FROM pytorch/pytorch:${PYTORCH_TAG}-devel AS build-cuda
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make libjpeg-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
# Node's headers: node-gyp builds against them instead of downloading them.
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
# The conda Python whose torch holds the CUDA libtorch.
ENV PYTHON=/opt/conda/bin/python

# ---------------------------------------------------------------- build

FROM build-${FLAVOR} AS build
WORKDIR /app
# The toolchain and libtorch come from the stage above; the bootstrap's apt step must not run.
ENV CNN_BOOTSTRAP_SKIP_APT=1 \
    CNN_BUILD_JOBS=4
COPY package.json package-lock.json tsconfig.json tsconfig.build.json openapi.yaml ./
COPY scripts ./scripts
COPY native ./native
COPY proto ./proto
COPY bin ./bin
COPY src ./src
COPY vendor ./vendor
COPY web ./web
# npm ci, the native addons (checked to load), the TypeScript and dashboard builds; then drop dev dependencies.
RUN --mount=type=cache,target=/root/.npm \
    node scripts/bootstrap.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf native/build/Release/obj.target native/build/Release/.deps

# ---------------------------------------------------------------- runtime environments

FROM ${NODE_SLIM_IMAGE} AS runtime-cpu
# Debian's libtorch shared libraries (what libtorch-dev linked against), and
# OpenBLAS as their libblas.so.3 (otherwise netlib's reference BLAS); libjpeg-turbo for the JPEG decoder.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libtorch1.13 libopenblas0-pthread libjpeg62-turbo \
 && rm -rf /var/lib/apt/lists/*

FROM pytorch/pytorch:${PYTORCH_TAG}-runtime AS runtime-cuda
COPY --from=node /usr/local/bin/node /usr/local/bin/node

# ---------------------------------------------------------------- runtime

FROM runtime-${FLAVOR} AS runtime
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/cnn cnn \
 && mkdir -p /data \
 && chown cnn:cnn /data
WORKDIR /app
COPY --from=build /app/package.json /app/openapi.yaml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
COPY --from=build /app/vendor ./vendor
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/native/build/Release/cnn_native.node ./native/build/Release/cnn_native.node
COPY --from=build /app/native/build/Release/cnn_decode.node ./native/build/Release/cnn_decode.node
COPY docker/entrypoint.sh docker/healthcheck.mjs ./docker/
# A 32 MiB young generation: ingest makes many short-lived objects per image, and the default
# (16 MiB) scavenges about twice as often.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    CNN_DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    GRPC_PORT=50051
USER cnn
VOLUME ["/data"]
EXPOSE 8080 50051
# The api role: GET /healthz; a worker is healthy while it runs (docker/healthcheck.mjs).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["api"]
