"""Greedy transcripts of clips by OpenVINO GenAI's WhisperPipeline, the reference ovspeech must equal.

    python -m models.genai_transcripts MODEL_FOLDER CLIP.wav...            prints a JSON list of texts
    python -m models.genai_transcripts --tokens MODEL_FOLDER CLIP.wav...   a JSON list of {"text", "tokens"}, at f32

The texts come from a pipeline with no compile properties: the CPU plugin's defaults, as ovspeech's server
compiles with. The tokens come from one at f32, as the engines' parity tests compare (a random test model's
near-ties part in bf16).
"""

import json
import sys
import time
from pathlib import Path

import openvino as ov
import openvino_genai

from fixtures.common import INFERENCE_PROPERTIES
from fixtures.references import TokenCollector, load_clip

SETTINGS = {"language": "<|en|>", "task": "transcribe", "return_timestamps": False}


def genai_transcripts(model_dir: Path, clips: dict[str, Path]) -> dict:
    """{"engine", "version", "settings", "seconds", "transcripts": {id: text}} for the clips by id."""
    pipeline = openvino_genai.WhisperPipeline(model_dir, "CPU")
    started = time.monotonic()
    transcripts = {key: pipeline.generate(load_clip(clip).tolist(), **SETTINGS).texts[0] for key, clip in clips.items()}
    return {
        "engine": "openvino-genai WhisperPipeline",
        "version": f"openvino-genai {openvino_genai.__version__}",
        "settings": {**SETTINGS, "inference_precision": ov.Core().get_property("CPU", "INFERENCE_PRECISION_HINT").to_string()},
        "seconds": time.monotonic() - started,
        "transcripts": transcripts,
    }


def genai_tokens(model_dir: Path, clips: list[Path]) -> list[dict]:
    """[{"text", "tokens"}] per clip, the tokens as GenAI streams them, at f32."""
    pipeline = openvino_genai.WhisperPipeline(model_dir, "CPU", **INFERENCE_PROPERTIES)
    results = []
    for clip in clips:
        collector = TokenCollector()
        text = pipeline.generate(load_clip(clip).tolist(), streamer=collector, **SETTINGS).texts[0]
        results.append({"text": text, "tokens": collector.tokens})
    return results


def main() -> None:
    if sys.argv[1] == "--tokens":
        print(json.dumps(genai_tokens(Path(sys.argv[2]), [Path(arg) for arg in sys.argv[3:]])))
        return
    folder, clips = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    transcripts = genai_transcripts(folder, {str(i): clip for i, clip in enumerate(clips)})["transcripts"]
    print(json.dumps([transcripts[str(i)] for i in range(len(clips))]))


if __name__ == "__main__":
    main()
