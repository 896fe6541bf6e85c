"""Exports to the folders ovspeech serves, through optimum-intel: the one code path of `ovspeech prepare`
(the default set's CTranslate2 Whisper) and `ovspeech import` (users' models)."""

import shutil
from pathlib import Path

from fixtures.common import optimum_export

from .ct2_whisper import convert
from .progress import report

# The files OpenVINO GenAI and OpenVINO Model Server look for, by family.
IR_FILES = {
    "whisper": ["openvino_encoder_model", "openvino_decoder_model", "openvino_tokenizer", "openvino_detokenizer"],
    "speecht5": ["openvino_encoder_model", "openvino_decoder_model", "openvino_postnet", "openvino_vocoder",
                 "openvino_tokenizer", "openvino_detokenizer"],
}
JSON_FILES = {
    "whisper": ["config.json", "generation_config.json", "preprocessor_config.json"],
    "speecht5": ["config.json", "generation_config.json"],
}
# Kept beside the exported model: the terms it comes under.
LICENCE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


class LayoutError(Exception):
    """An export did not write every file its family needs."""


def check_layout(folder: Path, family: str) -> None:
    expected = [f"{ir}{ext}" for ir in IR_FILES[family] for ext in (".xml", ".bin")] + JSON_FILES[family]
    missing = [name for name in expected if not (folder / name).is_file()]
    if missing:
        raise LayoutError(f"{folder} lacks {', '.join(missing)}")


def copy_licences(source: Path, output: Path) -> None:
    for name in LICENCE_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, output / name)


def export_whisper(source: Path, output: Path, model_id: str, weight_format: str) -> None:
    """A Transformers Whisper folder to OpenVINO, stateful decoder and tokenizers included."""
    report("export", model_id)
    optimum_export(source, output, "automatic-speech-recognition-with-past", weight_format)
    check_layout(output, "whisper")
    copy_licences(source, output)


def ct2_whisper_to_openvino(ct2_folder: Path, scratch: Path, output: Path, model_id: str, weight_format: str) -> None:
    """A CTranslate2 (faster-whisper) Whisper folder to OpenVINO, through Transformers in `scratch`."""
    source = scratch / "huggingface" / model_id
    report("convert", model_id)
    convert(ct2_folder, source)
    export_whisper(source, output, model_id, weight_format)
    copy_licences(ct2_folder, output)


def export_speecht5(source: Path, vocoder: Path, output: Path, model_id: str, weight_format: str) -> None:
    """A Transformers SpeechT5 and its HiFi-GAN vocoder to OpenVINO, laid out as the server's SpeechT5 folders."""
    from fixtures.speecht5_model import export_speecht5_folder  # imports openvino_genai: only when needed

    report("export", model_id)
    export_speecht5_folder(source, vocoder, output, weight_format)
    check_layout(output, "speecht5")
    copy_licences(source, output)
