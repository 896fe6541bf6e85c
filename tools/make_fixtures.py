"""Generates ovspeech's test fixtures; see test/fixtures/README.md.

    make_fixtures.py                 the committed fixtures: tiny models, test audio, GenAI references
    make_fixtures.py --real NAME...  real-size models into .cache/models/NAME and NAME-int8 (not committed)
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import openvino_genai

from fixtures import piper_model, speecht5_model, whisper_model
from fixtures.audio import make_audio
from fixtures.common import FIXTURES, INFERENCE_PROPERTIES, MODELS, REAL_MODELS
from fixtures.references import load_clip, make_references
from models.export import check_layout

SIZE_BUDGET = 30 * 1000 * 1000


def check_runs(folder: Path, family: str) -> None:
    """Loads the folder in GenAI's pipeline and runs it once."""
    if family == "whisper":
        pipeline = openvino_genai.WhisperPipeline(folder, "CPU", **INFERENCE_PROPERTIES)
        text = pipeline.generate(load_clip("en_1s.wav").tolist(), max_new_tokens=8).texts[0]
        print(f"{folder.name}: WhisperPipeline ran: {text!r}")
    else:
        pipeline = openvino_genai.Text2SpeechPipeline(folder, "CPU", **INFERENCE_PROPERTIES)
        samples = pipeline.generate("Hello.").speeches[0].get_size()
        print(f"{folder.name}: Text2SpeechPipeline ran: {samples} samples")


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def make_committed() -> None:
    whisper_model.export_whisper("tiny-whisper", MODELS / "tiny-whisper")
    speecht5_model.export_speecht5("tiny-speecht5", MODELS / "tiny-speecht5")
    check_layout(MODELS / "tiny-whisper", "whisper")
    check_layout(MODELS / "tiny-speecht5", "speecht5")
    # Beside the bundled models, not among them: `npm start` serves test/fixtures/models.
    piper_model.export_piper(FIXTURES / "piper" / "tiny-piper", "tiny", [], seed=0)
    piper_model.export_piper(FIXTURES / "piper" / "tiny-piper-multi", "tiny-multi", ["ada", "bob", "cyd"], seed=1)
    piper_model.export_piper(FIXTURES / "piper" / "tiny-piper-no-ceiling", "tiny", [], seed=0, ceiling=False)
    make_audio()
    make_references("tiny-whisper", "tiny-speecht5")
    for part in ("models/tiny-whisper", "models/tiny-speecht5", "piper", "audio", "reference"):
        print(f"{part}: {folder_size(FIXTURES / part) / 1e6:.2f} MB")
    total = folder_size(FIXTURES)
    print(f"total: {total / 1e6:.2f} MB of {SIZE_BUDGET / 1e6:.0f} MB")
    if total > SIZE_BUDGET:
        sys.exit("the fixtures exceed their size budget")


def make_real(names: list[str]) -> None:
    known = {**{n: "whisper" for n in whisper_model.SIZES}, **{n: "speecht5" for n in speecht5_model.SIZES}}
    for name in names:
        if name not in known:
            sys.exit(f"unknown model {name}; known: {', '.join(sorted(known))}")
        family = known[name]
        export = whisper_model.export_whisper if family == "whisper" else speecht5_model.export_speecht5
        for suffix, weight_format in (("", "fp32"), ("-int8", "int8")):
            folder = REAL_MODELS / f"{name}{suffix}"
            export(name, folder, weight_format)
            check_layout(folder, family)
            check_runs(folder, family)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", nargs="+", metavar="NAME", help="real-size models to generate into .cache/models")
    args = parser.parse_args()
    np.random.seed(0)
    if args.real:
        make_real(args.real)
    else:
        make_committed()


if __name__ == "__main__":
    main()
