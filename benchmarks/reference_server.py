"""A reference runner of the benchmark: OpenVINO GenAI or faster-whisper behind the same OpenAI endpoint ovspeech
serves, so that bench.ts drives every system alike and reads its CPU and memory from /proc.

    reference_server.py SYSTEM MODEL_DIR [--workers N] [--compute-type float32|int8] [--pad-to-window] [--batched]
                                              [--inference-precision f32|f16|bf16]

SYSTEM: genai (openvino_genai.WhisperPipeline on an OpenVINO folder), faster-whisper (on a CTranslate2
folder) or piper (onnxruntime on a Piper voice's .onnx, phonemes as tools/piper_reference.py makes them). --workers 1 is one model behind a lock (OpenVINO Model Server's way); N > 1 is N models, each given
cores // N threads, a request taking a free one (GenAI's each in a process of its own). Once the models are loaded it prints {"url": ...} on stdout.

POST /v1/audio/transcriptions takes what the benchmark sends: a 16 kHz mono 16-bit WAV `file`, greedy,
English, no timestamps; `stream=true` is answered with one transcript.text.done event when the text is
whole (neither runner streams deltas here, so time to first byte is the latency). POST /v1/audio/speech
takes `input`, `response_format: pcm` at the voice's own `sample_rate`, Piper's `noise_scale`, `length_scale`
and `noise_w`, and `stream_format` audio (each sentence's samples as it is made) or sse. GET /health is 200.
Whisper runners run in the accuracy suite's pinned environment (test/accuracy/requirements.txt), piper in
.venv (tools/piper-reference-requirements.txt).
"""

import argparse
import base64
import email.parser
import email.policy
import io
import json
import multiprocessing
import os
import queue
import re
import sys
import wave
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

# The accuracy suite's and the tools' references, whose settings and phonemes the runners reuse, so that
# both compare the same thing.
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "test" / "accuracy"), str(ROOT / "tools")]

# Whisper's window: 30 s at 16 kHz.
WINDOW_SAMPLES = 30 * 16000
# Windows of one file faster-whisper's BatchedInferencePipeline decodes at once (its default).
BATCH = 8


def wav_samples(data: bytes) -> np.ndarray:
    """16-bit mono 16 kHz WAV as float32 samples, x / 32768 as every decoder does it."""
    with wave.open(io.BytesIO(data)) as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1 or wav.getframerate() != 16000:
            raise ValueError("the reference runner takes 16 kHz mono 16-bit WAV only")
        frames = wav.readframes(wav.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768


def genai_properties(threads: int | None, precision: str | None) -> dict:
    # Pipelines of their own threads must not pin them: OpenVINO pins to the first cores, the same ones in
    # every process (measured: two one-thread pipelines in two processes shared one core).
    properties = {} if threads is None else {"INFERENCE_NUM_THREADS": threads, "ENABLE_CPU_PINNING": False}
    return properties if precision is None else {**properties, "INFERENCE_PRECISION_HINT": precision}


def genai_pipeline(model_dir: str, properties: dict):
    import openvino_genai

    return openvino_genai.WhisperPipeline(model_dir, "CPU", **properties)


def genai_transcribe(pipeline, samples: np.ndarray) -> str:
    from models.genai_transcripts import SETTINGS as GENAI_SETTINGS

    return pipeline.generate(samples.tolist(), **GENAI_SETTINGS).texts[0]


def genai_process(model_dir: str, properties: dict, connection, parent_end) -> None:
    """One pipeline in a process of its own, transcribing the samples it receives until the server's end
    of the pipe closes (the server has exited)."""
    parent_end.close()  # else the pipe stays open after the server dies, and so would this process
    pipeline = genai_pipeline(model_dir, properties)
    connection.send("ready")
    while True:
        try:
            samples = connection.recv()
        except EOFError:
            return
        connection.send(genai_transcribe(pipeline, samples))


class GenAIProcess:
    """A pipeline in a child process: GenAI's generate holds Python's lock (two pipelines in threads were
    measured to use one core between them), so pipelines run in parallel only in processes of their own."""

    def __init__(self, model_dir: str, properties: dict):
        self.connection, child = multiprocessing.Pipe()
        multiprocessing.Process(target=genai_process, args=(model_dir, properties, child, self.connection), daemon=True).start()
        child.close()
        self.connection.recv()

    def transcribe(self, samples: np.ndarray) -> str:
        self.connection.send(samples)
        return self.connection.recv()


def genai_models(model_dir: str, workers: int, threads: int | None, precision: str | None):
    import openvino_genai
    from models.genai_transcripts import SETTINGS as GENAI_SETTINGS

    properties = genai_properties(threads, precision)
    if workers == 1:
        models, transcribe = [genai_pipeline(model_dir, properties)], genai_transcribe
    else:
        models, transcribe = [GenAIProcess(model_dir, properties) for _ in range(workers)], lambda model, samples: model.transcribe(samples)
    version = f"openvino-genai {openvino_genai.__version__}"
    return models, transcribe, {"runner": version, **GENAI_SETTINGS, **properties, "processes": workers if workers > 1 else "none"}


def faster_whisper_models(model_dir: str, workers: int, threads: int | None, compute_type: str, pad_to_window: bool, batched: bool):
    import ctranslate2
    import faster_whisper
    from reference import FASTER_WHISPER_OPTIONS

    models = [faster_whisper.WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads or 0) for _ in range(workers)]
    if batched:
        models = [faster_whisper.BatchedInferencePipeline(model=model) for model in models]
    options = FASTER_WHISPER_OPTIONS

    def transcribe(model, samples: np.ndarray) -> str:
        # faster-whisper takes the log-mel of the clip alone and pads the features to 30 s; GenAI and ovspeech
        # pad the audio to 30 s first, as OpenAI's whisper does. Padding the audio gives faster-whisper the
        # same features (and the same work: the STFT of a whole window).
        if pad_to_window and len(samples) < WINDOW_SAMPLES:
            samples = np.pad(samples, (0, WINDOW_SAMPLES - len(samples)))
        if batched:
            # The audio's 30 s windows one after another, decoded BATCH at a time (without VAD, which would
            # otherwise choose the chunks).
            seconds = len(samples) / 16000
            clips = [{"start": start, "end": min(start + 30, seconds)} for start in range(0, int(np.ceil(seconds)), 30)]
            segments, _ = model.transcribe(samples, batch_size=BATCH, clip_timestamps=clips, **options)
        else:
            segments, _ = model.transcribe(samples, **options)
        return "".join(segment.text for segment in segments)

    version = f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}"
    settings = {"runner": version, "compute_type": compute_type, "cpu_threads": threads or "default", "audio_padded_to_30s": pad_to_window,
                "batched_pipeline": {"batch_size": BATCH, "chunks": "30 s windows in turn"} if batched else False}
    return models, transcribe, {**settings, **options}


def piper_models(onnx_file: str, workers: int, threads: int | None):
    import onnxruntime
    from piper_reference import phoneme_ids, phonemize

    with open(onnx_file + ".json", encoding="utf-8") as file:
        config = json.load(file)
    options = onnxruntime.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
    sessions = [onnxruntime.InferenceSession(onnx_file, options, providers=["CPUExecutionProvider"]) for _ in range(workers)]

    # Rounded half up, as ovspeech's std::lround (Python's round() goes to even: 5512 samples instead of 5513).
    pause = np.zeros(int(SENTENCE_PAUSE_SECONDS * config["audio"]["sample_rate"] + 0.5), dtype=np.float32)

    def sentences(session, text: str, scales: list[float]):
        """The 16-bit samples of each sentence in turn, as Piper synthesizes a text a sentence at a time,
        each after the first preceded by the pause between sentences."""
        for index, sentence in enumerate(SENTENCE_END.split(text.strip())):
            ids = phoneme_ids(phonemize(sentence, config["espeak"]["voice"]), config)
            inputs = {"input": np.array([ids], dtype=np.int64), "input_lengths": np.array([len(ids)], dtype=np.int64),
                      "scales": np.array(scales, dtype=np.float32)}
            audio = session.run(None, inputs)[0].reshape(-1)
            if index > 0:
                audio = np.concatenate([pause, audio])
            yield (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()

    settings = {"runner": f"onnxruntime {onnxruntime.__version__}", "intra_op_num_threads": threads or "default",
                "sample_rate": config["audio"]["sample_rate"], "defaults": config["inference"]}
    return sessions, (sentences, config), settings


# A sentence ends at ".", "?" or "!" followed by white space.
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# The silence between sentences: ovspeech's (native/tts/synthesizer.h) at speed 1. Piper's own
# --sentence_silence adds silence after each sentence the same way (0.2 s by default).
SENTENCE_PAUSE_SECONDS = 0.25


def form_fields(content_type: str, body: bytes) -> dict[str, bytes]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    return {part.get_param("name", header="content-disposition"): part.get_payload(decode=True) for part in message.iter_parts()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["genai", "faster-whisper", "piper"])
    parser.add_argument("model_dir")
    parser.add_argument("--workers", type=int, default=1)
    # faster-whisper only: CTranslate2's compute type (float32 is what it computes float16 weights in on a
    # CPU; int8 quantizes weights and activations), and whether clips are padded to a 30 s window first.
    parser.add_argument("--compute-type", choices=["float32", "int8"], default="float32")
    parser.add_argument("--pad-to-window", action="store_true")
    # faster-whisper only: its BatchedInferencePipeline, which batches the windows of one file (long audio).
    parser.add_argument("--batched", action="store_true")
    # genai only: OpenVINO's INFERENCE_PRECISION_HINT (unset: the CPU's default, bf16 where it has AVX-512 BF16).
    parser.add_argument("--inference-precision", choices=["f32", "f16", "bf16"])
    args = parser.parse_args()
    threads = None if args.workers == 1 else max(1, (os.cpu_count() or 1) // args.workers)
    load = {
        "genai": lambda *common: genai_models(*common, args.inference_precision),
        "faster-whisper": lambda *common: faster_whisper_models(*common, args.compute_type, args.pad_to_window, args.batched),
        "piper": piper_models,
    }[args.system]
    # The models, and what a request runs on one: a function of (model, samples) for Whisper, Piper's
    # (sentences, config) for speech.
    models, run, settings = load(args.model_dir, args.workers, threads)
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
                self.fail(404, "not found")

        def fail(self, status: int, message: str) -> None:
            self.reply(status, "application/json", json.dumps({"error": {"message": message}}).encode())

        def do_POST(self):
            route = {"genai": "/v1/audio/transcriptions", "faster-whisper": "/v1/audio/transcriptions", "piper": "/v1/audio/speech"}
            if self.path != route[args.system]:
                self.fail(404, "not found")
            elif args.system == "piper":
                self.speak()
            else:
                self.transcribe()

        def speak(self):
            sentences, config = run
            try:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                text = str(body["input"])
            except (KeyError, ValueError, TypeError) as error:
                self.fail(400, f"bad request: {error}")
                return
            rate = config["audio"]["sample_rate"]
            if body.get("response_format") != "pcm" or body.get("sample_rate") != rate:
                self.fail(400, f"the reference runner makes response_format pcm at sample_rate {rate} only")
                return
            defaults = config["inference"]
            scales = [float(body.get(name, defaults[name])) for name in ("noise_scale", "length_scale", "noise_w")]
            stream = body.get("stream_format")
            session = free.get()
            try:
                if stream is None:
                    self.reply(200, "audio/pcm", b"".join(sentences(session, text, scales)))
                    return
                # No Content-Length: the body ends when the connection closes (HTTP/1.0), each sentence sent as made.
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream" if stream == "sse" else "audio/pcm")
                self.end_headers()
                for pcm in sentences(session, text, scales):
                    if stream == "sse":
                        pcm = f"data: {json.dumps({'type': 'speech.audio.delta', 'audio': base64.b64encode(pcm).decode()})}\n\n".encode()
                    self.wfile.write(pcm)
                    self.wfile.flush()
                if stream == "sse":
                    self.wfile.write(b'data: {"type": "speech.audio.done"}\n\n')
            finally:
                free.put(session)

        def transcribe(self):
            try:
                fields = form_fields(self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"])))
                samples = wav_samples(fields["file"])
            except (KeyError, ValueError, TypeError, wave.Error) as error:
                self.fail(400, str(error))
                return
            model = free.get()
            try:
                text = run(model, samples)
            finally:
                free.put(model)
            if fields.get("stream") == b"true":
                event = {"type": "transcript.text.done", "text": text}
                self.reply(200, "text/event-stream", f"data: {json.dumps(event)}\n\n".encode())
            else:
                self.reply(200, "application/json", json.dumps({"text": text}).encode())

    class Server(ThreadingHTTPServer):
        # Python's default listen backlog of 5 resets connections beyond it; the sweep opens up to 32 at once.
        request_queue_size = 128
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    print(json.dumps({"url": f"http://127.0.0.1:{server.server_address[1]}", "settings": settings}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
