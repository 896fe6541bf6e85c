#!/usr/bin/env bash
# Builds ovspeech's image with buildah (no Docker engine needed) and runs its smoke test from the host:
# health, a transcription and a speech request on the real models, SIGTERM drain, and KubeAI's contract
# (its FasterWhisper engine's environment, arguments, port and probes). Prints the image's size and the
# time from container start to ready, cold and with the compile cache.
#
#   deploy/test-image.sh [--variant cpu|gpu] [--baked] [--first-start] [--no-build]
#
# The base image `debian:bookworm-slim` is made here with debootstrap when it is not in local storage.
# The real models are the default set prepared on the host (`ovspeech prepare .cache/real-models`, as
# `npm test` does), mounted read-only as the /models volume; --baked builds them into the image instead
# (MODELS=baked) and mounts no volume; --first-start also starts the image on an empty volume, which
# prepares the default set in the container (about 2 minutes here).
set -euo pipefail
cd "$(dirname "$0")/.."

variant=cpu
first_start=false
build=true
models=volume
while (($#)); do
  case "$1" in
    --variant) variant="$2"; shift 2 ;;
    --first-start) first_start=true; shift ;;
    --no-build) build=false; shift ;;
    --baked) models=baked; shift ;;
    *) echo "usage: $0 [--variant cpu|gpu] [--baked] [--first-start] [--no-build]" >&2; exit 2 ;;
  esac
done

# Debian: apt-get install buildah podman debootstrap (podman only for `podman import`); run as root.
for tool in buildah podman debootstrap curl ss bc node; do
  command -v "$tool" >/dev/null || { echo "$0 needs $tool (Debian: apt-get install buildah podman debootstrap curl iproute2 bc)" >&2; exit 2; }
done

version=$(node -p 'require("./package.json").version')
image="localhost/ovspeech:${version}$([[ $variant == gpu ]] && echo -gpu || true)$([[ $models == baked ]] && echo -baked || true)"
base=localhost/debian:bookworm-slim
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/ovspeech-image.XXXXXX)
containers=()
cleanup() {
  local pid
  pid=$(server_pid)
  if [[ -n $pid ]]; then kill -TERM "$pid" && sleep 2; fi
  for c in "${containers[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# debian:bookworm-slim made locally: minbase, without documentation (as Debian's slim images), and with
# the host's extra CA certificates when it has any (a TLS-inspecting proxy), so that apt's ca-certificates,
# npm and pip inside the build trust the same proxy the host does.
make_base_image() {
  if buildah inspect --type image "$base" >/dev/null 2>&1; then return; fi
  step "base image $base (debootstrap --variant=minbase bookworm)"
  local rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log"
    fail "debootstrap"
  }
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  local changes=()
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$rootfs/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    changes=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt')
  fi
  tar -C "$rootfs" -c . | podman import "${changes[@]}" - "$base" >/dev/null
  rm -rf "$rootfs"
}

lint_dockerfile() {
  step "hadolint"
  bash deploy/deploy-venv.sh >/dev/null
  .cache/deploy-venv/bin/hadolint Dockerfile && echo "Dockerfile: no findings"
}

build_image() {
  step "build $image (buildah bud --isolation chroot)"
  local started=$SECONDS
  buildah bud --isolation chroot --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 --format docker --pull=never \
    --build-arg "VARIANT=$variant" --build-arg "MODELS=$models" -t "$image" . >"$work/build.log" 2>&1 || {
    tail -40 "$work/build.log"
    fail "the build"
  }
  echo "built in $((SECONDS - started)) s"
  echo "image size: $(buildah images --format '{{.Size}}' "$image")"
}

port=8000
url="http://127.0.0.1:$port"

# Starts the image's own entrypoint (with ARGS after --) in a new container, as `docker run` would:
# `start_container LOG [buildah run options...] [-- ARGS...]`. Sets `server` to the buildah process.
start_container() {
  local log="$1"
  shift
  local options=() args=()
  while (($#)); do
    if [[ $1 == -- ]]; then shift; args=("$@"); break; fi
    options+=("$1")
    shift
  done
  local entrypoint ctr
  mapfile -t entrypoint < <(buildah inspect --type image --format '{{range .Docker.Config.Entrypoint}}{{println .}}{{end}}' "$image" | sed '/^$/d')
  ctr=$(buildah from --pull=never "$image")
  containers+=("$ctr")
  # buildah run mounts the image's own VOLUMEs too, in no set order with -v: at the same path its empty
  # volume may hide ours (docker run's -v replaces the VOLUME). The test container drops them.
  buildah config --volume /models- --volume /var/cache/ovspeech- "$ctr"
  buildah run --isolation chroot "${options[@]}" "$ctr" -- "${entrypoint[@]}" "${args[@]}" >"$log" 2>&1 &
  server=$!
}

# Seconds until PATH answers 200, polled every 0.2 s as a probe would; fails if the server exits first.
wait_for() {
  local path="$1" limit="$2" log="$3" started=$EPOCHREALTIME
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$url$path") == 200 ]]; do
    kill -0 "$server" 2>/dev/null || { tail -20 "$log"; fail "the server exited before $path answered 200"; }
    (($(date +%s) - ${started%.*} < limit)) || { tail -20 "$log"; fail "$path did not answer 200 within $limit s"; }
    sleep 0.2
  done
  echo "$EPOCHREALTIME - $started" | bc
}

# The node process serving the port (buildah's chroot isolation shares the host's process table).
server_pid() { ss -ltnpH "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true; }

stop_container() {
  local pid
  pid=$(server_pid)
  if [[ -n $pid ]]; then kill -TERM "$pid"; fi
  wait "$server" || true
}

port_free() { [[ -z $(ss -ltnH "sport = :$port") ]] || fail "port $port is in use on this host"; }

expect_status() {
  local want="$1" got="$2" what="$3"
  [[ $got == "$want" ]] || fail "$what: HTTP $got, expected $want"
  echo "$what: HTTP $got"
}

# Prints the JavaScript expression EXPR of the JSON document on stdin, named j: `json EXPR`.
json() { node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(new Function("j", `return ${process.argv[1]}`)(JSON.parse(s))))' "$1"; }

# The transcript in FILE is the smoke test's first one, byte for byte.
same_transcript() { cmp -s "$work/sentence.txt" "$1" || fail "the transcript differs: $(cat "$1")"; }

words() { tr '[:upper:]' '[:lower:]' <"$1" | tr -c 'a-z\n' ' ' | tr -s ' ' | sed 's/^ //;s/ $//'; }

sentence='I would like a cup of coffee with milk, please.'
paragraph='Speech serving on Kubernetes needs a server that drains its requests before it stops. This paragraph is long enough that its transcription is still running when the container is told to stop, and it must come back whole.'

speak() { # TEXT OUT: the default voice speaks TEXT into a WAV file
  local body
  body=$(node -e 'console.log(JSON.stringify({ model: "tts-1", voice: process.argv[2], input: process.argv[1], response_format: "wav" }))' "$1" "$voice")
  expect_status 200 "$(curl -s -o "$2" -w '%{http_code}' -H 'content-type: application/json' -d "$body" "$url/v1/audio/speech")" "POST /v1/audio/speech ($(wc -w <<<"$1") words)"
  [[ $(head -c 4 "$2") == RIFF ]] || fail "the speech is not a WAV file"
}

transcribe() { # WAV OUT [curl -F options...]
  local wav="$1" out="$2"
  shift 2
  curl -s -o "$out" -w '%{http_code}' -F "file=@$wav" -F response_format=text "$@" "$url/v1/audio/transcriptions"
}

smoke_test() {
  local cache="$work/cache" log="$work/serve.log"
  mkdir -p "$cache"
  chown 10001:10001 "$cache"
  local volumes=(-v "$cache:/var/cache/ovspeech")
  if [[ $models == baked ]]; then
    step "smoke test: the default model set baked into the image, an empty compile cache"
  else
    step "smoke test: the default model set mounted read-only at /models, an empty compile cache"
    [[ -f .cache/real-models/.ovspeech-prepared.json ]] || fail "no prepared default model set in .cache/real-models (run: node dist/cli.js prepare .cache/real-models)"
    volumes+=(-v "$PWD/.cache/real-models:/models:ro")
  fi
  port_free
  start_container "$log" "${volumes[@]}"
  echo "ready after $(wait_for /health/ready 900 "$log") s from container start (cold: compile cache empty)"
  expect_status 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/health/live")" "GET /health/live"
  expect_status 200 "$(curl -s -o "$work/health.json" -w '%{http_code}' "$url/health")" "GET /health"
  voice=$(curl -sf "$url/v1/audio/voices" | json '(j.data.find((v) => v.default) ?? j.data[0]).id')
  echo "voice: $voice"
  speak "$sentence" "$work/sentence.wav"
  expect_status 200 "$(transcribe "$work/sentence.wav" "$work/sentence.txt" -F model=whisper-1)" "POST /v1/audio/transcriptions"
  echo "transcript: $(cat "$work/sentence.txt")"
  [[ $(words "$work/sentence.txt") == "$(words <(echo "$sentence"))" ]] || fail "the transcript is not the sentence spoken"
  echo "the transcript is the sentence spoken, word for word"

  step "SIGTERM drain: a transcription in flight finishes, the server then exits 0"
  speak "$paragraph" "$work/paragraph.wav"
  transcribe "$work/paragraph.wav" "$work/paragraph.txt" >"$work/paragraph.status" &
  local client=$!
  until curl -s "$url/metrics" | grep -q '^ovspeech_model_running_jobs{model="openai/whisper-base"} [1-9]'; do sleep 0.05; done
  local pid
  pid=$(server_pid)
  kill -TERM "$pid"
  echo "SIGTERM sent to pid $pid with the transcription running"
  local after
  after=$(curl -s -o /dev/null -w '%{http_code}' "$url/health/ready" || true)
  [[ $after == 503 || $after == 000 ]] || fail "after SIGTERM /health/ready answered $after"
  echo "GET /health/ready after SIGTERM: $([[ $after == 000 ]] && echo 'connection refused (no longer listening)' || echo 503)"
  wait "$client"
  expect_status 200 "$(cat "$work/paragraph.status")" "the transcription in flight"
  echo "its transcript ($(wc -w <"$work/paragraph.txt") words): $(cat "$work/paragraph.txt")"
  local status=0
  wait "$server" || status=$?
  ((status == 0)) || { tail -20 "$log"; fail "the server exited with status $status after SIGTERM"; }
  echo "the server exited with status 0"

  step "restart with the compile cache filled"
  port_free
  start_container "$work/serve2.log" "${volumes[@]}"
  echo "ready after $(wait_for /health/ready 900 "$work/serve2.log") s from container start (with the compile cache: $(du -sh "$cache/compiled" | cut -f1))"
  expect_status 200 "$(transcribe "$work/sentence.wav" "$work/sentence2.txt")" "POST /v1/audio/transcriptions"
  cmp -s "$work/sentence.txt" "$work/sentence2.txt" || fail "the transcript changed with the compile cache"
  echo "same transcript"
  stop_container
}

# KubeAI's FasterWhisper engine (substratusai/kubeai, internal/modelcontroller/engine_fasterwhisper.go):
# no command, the Model's args, env WHISPER__MODEL then ENABLE_UI=false then the Model's env, port 8000,
# startup/readiness/liveness probes on GET /health, and its proxy forwards /v1/audio/transcriptions
# with the multipart `model` field removed.
kubeai_probe() { # LOG: the startup probe (period 2 s), then readiness and liveness once
  echo "startup probe GET /health: 200 after $(wait_for /health 1800 "$1") s"
  expect_status 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/health")" "readiness/liveness probe GET /health"
}

# Starts the image as KubeAI would for WHISPER__MODEL (with OPTIONS), probes it, and transcribes the
# sentence without a model field: `kubeai_serves NAME WHISPER__MODEL [buildah run options...] [-- ARGS...]`.
kubeai_serves() {
  local log="$work/kubeai-$1.log" text="$work/kubeai-$1.txt" model="$2"
  shift 2
  port_free
  start_container "$log" --env "WHISPER__MODEL=$model" --env ENABLE_UI=false "$@"
  kubeai_probe "$log"
  expect_status 200 "$(transcribe "$work/sentence.wav" "$text")" "POST /v1/audio/transcriptions without a model field"
  same_transcript "$text"
  echo "transcript: $(cat "$text")"
  stop_container
}

kubeai_contract() {
  local whisper="$PWD/.cache/real-models/openai/whisper-base"
  step "KubeAI, a cache profile: WHISPER__MODEL=/models/<name>-<uid>, the cache mounted read-only there"
  local cached=/models/whisper-base-0f6c4b1e-3c8a-4d2e-9b7f-5a1d2c3e4f60
  kubeai_serves cache "$cached" -v "$whisper:$cached:ro" --env OVSPEECH_LOG_LEVEL=info -- --workers 1

  step "KubeAI, pvc://ovspeech-models/openai/whisper-base: WHISPER__MODEL=ovspeech-models/openai/whisper-base, the files at /model"
  kubeai_serves pvc ovspeech-models/openai/whisper-base -v "$whisper:/model"

  step "KubeAI, hf://Systran/faster-whisper-base (not in the image): the start fails, saying why"
  start_container "$work/kubeai-hf.log" --env WHISPER__MODEL=Systran/faster-whisper-base --env ENABLE_UI=false
  local status=0
  wait "$server" || status=$?
  ((status != 0)) || fail "the server started without the model"
  grep -q 'ovspeech never downloads weights' "$work/kubeai-hf.log" || { cat "$work/kubeai-hf.log"; fail "no reason given"; }
  echo "exit status $status: $(grep -o 'WHISPER__MODEL=.*' "$work/kubeai-hf.log" | head -1)"

  if [[ $models == baked ]]; then
    step "KubeAI, hf://openai/whisper-base: WHISPER__MODEL=openai/whisper-base, baked into the image's /models"
    kubeai_serves baked openai/whisper-base
  fi
}

first_start_test() {
  step "first start on an empty /models volume: the default set is prepared in the container"
  port_free
  local models="$work/first-models" cache="$work/first-cache" log="$work/first.log"
  mkdir -p "$models" "$cache"
  chown 10001:10001 "$models" "$cache"
  start_container "$log" -v "$models:/models" -v "$cache:/var/cache/ovspeech"
  echo "ready after $(wait_for /health/ready 3600 "$log") s from container start (preparation included)"
  [[ -f $models/.ovspeech-prepared.json ]] || fail "no marker in the prepared volume"
  echo "models: $(curl -sf "$url/v1/models" | json 'j.data.map((m) => m.id).join(", ")')"
  expect_status 200 "$(transcribe "$work/sentence.wav" "$work/first.txt")" "POST /v1/audio/transcriptions"
  same_transcript "$work/first.txt"
  stop_container
}

gpu_runtime_check() {
  step "GPU variant: Intel's OpenCL runtime is installed (no Intel GPU here: the smoke test runs on the CPU device)"
  local ctr
  ctr=$(buildah from --pull=never "$image")
  containers+=("$ctr")
  buildah run --isolation chroot "$ctr" -- sh -c 'cat /etc/OpenCL/vendors/*.icd && ls /usr/lib/x86_64-linux-gnu/intel-opencl/ && ovspeech devices'
  port_free
  local log="$work/gpu.log"
  start_container "$log" -v "$PWD/.cache/real-models:/models:ro" --env OVSPEECH_DEVICE=GPU
  until grep -q 'failed to load' "$log"; do
    kill -0 "$server" 2>/dev/null || fail "the server exited"
    sleep 0.2
  done
  echo "OVSPEECH_DEVICE=GPU on this machine: $(grep -o 'cannot compile[^"]*' "$log" | head -1)"
  stop_container
}

if $build; then
  make_base_image
  lint_dockerfile
  build_image
fi
if [[ $variant == gpu ]]; then gpu_runtime_check; fi
smoke_test
kubeai_contract
if $first_start; then first_start_test; fi
step "image smoke test passed: $image"
