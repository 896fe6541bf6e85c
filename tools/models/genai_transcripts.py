"""Greedy transcripts of clips by OpenVINO GenAI's WhisperPipeline, the reference ovspeech must equal.

    python -m models.genai_transcripts MODEL_FOLDER CLIP.wav...   prints a JSON list of texts
"""

import json
import sys
from pathlib import Path

import openvino_genai

from fixtures.common import INFERENCE_PROPERTIES
from fixtures.references import load_clip


def main() -> None:
    folder, clips = Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]]
    pipeline = openvino_genai.WhisperPipeline(folder, "CPU", **INFERENCE_PROPERTIES)
    texts = [pipeline.generate(load_clip(clip).tolist(), language="<|en|>", task="transcribe").texts[0] for clip in clips]
    print(json.dumps(texts))


if __name__ == "__main__":
    main()
