"""Greedy transcripts of clips by OpenVINO GenAI's WhisperPipeline, the reference ovspeech must equal.

    python -m models.genai_transcripts MODEL_FOLDER CLIP.wav...            prints a JSON list of texts
    python -m models.genai_transcripts --tokens MODEL_FOLDER CLIP.wav...   a JSON list of {"text", "tokens"}
"""

import json
import sys
from pathlib import Path

import openvino_genai

from fixtures.common import INFERENCE_PROPERTIES
from fixtures.references import TokenCollector, load_clip


def main() -> None:
    args = sys.argv[1:]
    with_tokens = args[0] == "--tokens"
    folder, clips = Path(args[with_tokens]), [Path(arg) for arg in args[with_tokens + 1:]]
    pipeline = openvino_genai.WhisperPipeline(folder, "CPU", **INFERENCE_PROPERTIES)
    results = []
    for clip in clips:
        collector = TokenCollector()
        text = pipeline.generate(load_clip(clip).tolist(), language="<|en|>", task="transcribe", streamer=collector).texts[0]
        results.append({"text": text, "tokens": collector.tokens} if with_tokens else text)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
