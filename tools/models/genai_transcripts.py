"""Greedy transcripts of clips by OpenVINO GenAI's WhisperPipeline, the reference ovspeech must equal.

    python -m models.genai_transcripts MODEL_FOLDER CLIP.wav...   prints a JSON list of texts

The pipeline gets no compile properties: the CPU plugin's defaults, as ovspeech's server compiles with.
"""

import json
import sys
import time
from pathlib import Path

import openvino as ov
import openvino_genai

from fixtures.references import load_clip

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


def main() -> None:
    folder, clips = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    transcripts = genai_transcripts(folder, {str(i): clip for i, clip in enumerate(clips)})["transcripts"]
    print(json.dumps([transcripts[str(i)] for i in range(len(clips))]))


if __name__ == "__main__":
    main()
