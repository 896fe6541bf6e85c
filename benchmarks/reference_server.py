"""A reference runner of the benchmark: OpenVINO GenAI or faster-whisper behind the same OpenAI endpoint ovspeech
serves, so that bench.ts drives every system alike and reads its CPU and memory from /proc.

    reference_server.py SYSTEM MODEL_DIR [--workers N]

SYSTEM: genai (openvino_genai.WhisperPipeline on an OpenVINO folder) or faster-whisper (on a CTranslate2
folder). --workers 1 is one model behind a lock (OpenVINO Model Server's way); N > 1 is N models, each given
cores // N threads, a request taking a free one. Once the models are loaded it prints {"url": ...} on stdout.

POST /v1/audio/transcriptions takes what the benchmark sends: a 16 kHz mono 16-bit WAV `file`, greedy,
English, no timestamps; `stream=true` is answered with one transcript.text.done event when the text is
whole (neither runner streams deltas here, so time to first byte is the latency). GET /health is 200.
Run in the accuracy suite's pinned environment (test/accuracy/requirements.txt).
"""

import argparse
import email.parser
import email.policy
import io
import json
import os
import queue
import sys
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

# The decoding settings of the accuracy suite's references, so that both compare the same thing.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "test" / "accuracy"), str(ROOT / "tools")]
from models.genai_transcripts import SETTINGS as GENAI_SETTINGS  # noqa: E402
from reference import FASTER_WHISPER_OPTIONS  # noqa: E402


def wav_samples(data: bytes) -> np.ndarray:
    """16-bit mono 16 kHz WAV as float32 samples, x / 32768 as every decoder does it."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1 or wav.getframerate() != 16000:
            raise ValueError("the reference runner takes 16 kHz mono 16-bit WAV only")
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768


def genai_models(model_dir: str, workers: int, threads: int | None):
    import openvino_genai

    properties = {} if threads is None else {"INFERENCE_NUM_THREADS": threads}
    pipelines = [openvino_genai.WhisperPipeline(model_dir, "CPU", **properties) for _ in range(workers)]

    def transcribe(pipeline, samples: np.ndarray) -> str:
        return pipeline.generate(samples.tolist(), **GENAI_SETTINGS).texts[0]

    version = f"openvino-genai {openvino_genai.__version__}"
    return pipelines, transcribe, {"runner": version, **GENAI_SETTINGS, **properties}


def faster_whisper_models(model_dir: str, workers: int, threads: int | None):
    import ctranslate2
    import faster_whisper

    # float32 is what CTranslate2 computes float16 weights in on a CPU, as in the accuracy suite.
    models = [faster_whisper.WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=threads or 0) for _ in range(workers)]
    options = FASTER_WHISPER_OPTIONS

    def transcribe(model, samples: np.ndarray) -> str:
        segments, _ = model.transcribe(samples, **options)
        return "".join(segment.text for segment in segments)

    version = f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}"
    return models, transcribe, {"runner": version, "compute_type": "float32", "cpu_threads": threads or "default", **options}


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True) for part in message.iter_parts()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["genai", "faster-whisper"])
    parser.add_argument("model_dir")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    threads = None if args.workers == 1 else max(1, (os.cpu_count() or 1) // args.workers)
    load = genai_models if args.system == "genai" else faster_whisper_models
    models, transcribe, settings = load(args.model_dir, args.workers, threads)
    free = queue.Queue()
    for model in models:
        free.put(model)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def reply(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                self.reply(200, "application/json", json.dumps({"status": "ok", "settings": settings}).encode())
            else:
                self.reply(404, "application/json", b'{"error":{"message":"not found"}}')

        def do_POST(self):
            if self.path != "/v1/audio/transcriptions":
                self.reply(404, "application/json", b'{"error":{"message":"not found"}}')
                return
            try:
                fields = form_fields(self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"])))
                samples = wav_samples(fields["file"])
            except (KeyError, ValueError, TypeError, wave.Error) as error:
                self.reply(400, "application/json", json.dumps({"error": {"message": str(error)}}).encode())
                return
            model = free.get()
            try:
                text = transcribe(model, samples)
            finally:
                free.put(model)
            if fields.get("stream") == b"true":
                event = {"type": "transcript.text.done", "text": text}
                self.reply(200, "text/event-stream", f"data: {json.dumps(event)}\n\n".encode())
            else:
                self.reply(200, "application/json", json.dumps({"text": text}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}", "settings": settings}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
