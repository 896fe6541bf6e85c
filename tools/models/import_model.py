"""`ovspeech import`: a model a user has, as a folder ovspeech serves (driven by src/models/import.ts).

    python -m models.import_model SOURCE OUTPUT SCRATCH --weight-format FORMAT [--vocoder VOCODER]

SOURCE is a local folder (a Piper voice may also be named by its .onnx file) or a Hugging Face id, which is
downloaded into SCRATCH first. Its kind is read from its files:
- a CTranslate2 (faster-whisper) Whisper folder: model.bin, config.json, tokenizer.json (vocabulary.*);
- a Hugging Face Whisper or SpeechT5 checkpoint: config.json with model_type "whisper" or "speecht5";
  SpeechT5 takes its HiFi-GAN vocoder from VOCODER (a folder or a Hugging Face id);
- a Piper voice: <voice>.onnx beside <voice>.onnx.json, copied as Piper ships it.
Whisper and SpeechT5 are exported by optimum-intel at FORMAT into OUTPUT, which must not exist yet.
Progress goes to stdout as JSON lines (models/progress.py), everything else to stderr. Exit status 2: the
input is not what its kind needs (a Hugging Face id the Hub has no repository for included); 4: a Hugging Face
id could not be downloaded; the last stderr line says why.
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

from .model_input import ModelInputError
from .progress import keep_stdout_for_progress, report

WEIGHT_FORMATS = ("fp32", "fp16", "int8", "int4")
BAD_INPUT_STATUS = 2
HUB_UNREACHABLE_STATUS = 4
# Weights of other frameworks that Hugging Face repositories carry beside PyTorch's: not needed here.
HUB_IGNORED = ["*.msgpack", "*.h5", "*.ot", "tf_model*", "flax_model*", "rust_model*", "coreml/*", "onnx/*", "openvino/*"]
EXPECTED = (
    "a CTranslate2 (faster-whisper) Whisper folder (model.bin, config.json, tokenizer.json), a Hugging Face "
    'Whisper or SpeechT5 checkpoint (config.json with model_type "whisper" or "speecht5"), or a Piper voice '
    "(<voice>.onnx with <voice>.onnx.json)"
)


class HubUnreachable(Exception):
    """A Hugging Face id could not be downloaded."""


def _download(repo_id: str, into: Path, what: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError

    report("download", repo_id)
    try:
        return Path(snapshot_download(repo_id, local_dir=into, ignore_patterns=HUB_IGNORED))
    except RepositoryNotFoundError as error:  # also what the Hub answers for a private or gated one, without a token
        raise ModelInputError(
            f"{what} {repo_id} is not a local folder, nor a repository on the Hugging Face Hub that this machine may "
            "read (a private or gated one needs a token with access to it: HF_TOKEN or `hf auth login`)") from error
    except LocalEntryNotFoundError as error:  # what huggingface_hub raises offline
        cause = error.__cause__ or error
        raise HubUnreachable(f"{what} {repo_id} is not a local folder, and the Hugging Face Hub cannot be reached to "
                             f"download it ({type(cause).__name__}: {cause})") from error
    except Exception as error:  # an unknown or gated repository, among others: huggingface_hub has many error types
        reason = next((line for line in str(error).splitlines() if line.strip()), type(error).__name__)
        raise HubUnreachable(f"{what} {repo_id} is not a local folder, and it could not be downloaded from the "
                             f"Hugging Face Hub: {reason}") from error


def local(name: str, scratch: Path, what: str) -> Path:
    """The folder (or file) `name` names; a name that is no local path is a Hugging Face id, downloaded."""
    path = Path(name)
    return path if path.exists() else _download(name, scratch / "hub" / name, what)


def _config(folder: Path) -> dict | None:
    file = folder / "config.json"
    if not file.is_file():
        return None
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelInputError(f"{file} cannot be read as JSON: {error}") from error
    return config if isinstance(config, dict) else {}


def _piper_voices(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.onnx") if p.with_name(p.name + ".json").is_file())


def detect(source: Path) -> str:
    """The kind of model `source` is: "ctranslate2-whisper", "whisper", "speecht5" or "piper"."""
    if source.is_file():
        if source.suffix == ".onnx":
            return "piper"
        raise ModelInputError(f"{source} is a file; expected a folder holding {EXPECTED}, or a Piper voice's .onnx")
    config = _config(source)
    if (source / "model.bin").is_file():
        if config is None:
            raise ModelInputError(f"{source} has a model.bin but no config.json; a CTranslate2 Whisper folder has both")
        return "ctranslate2-whisper"
    if any(source.glob("openvino_*.xml")):
        raise ModelInputError(f"{source} is an OpenVINO model folder already: copy it into the models folder as it is")
    if config is not None:
        model_type = config.get("model_type")
        if model_type in ("whisper", "speecht5"):
            return model_type
        raise ModelInputError(f'{source} has a config.json with model_type {json.dumps(model_type)}; '
                              f'ovspeech imports "whisper" and "speecht5" checkpoints, CTranslate2 Whisper folders and Piper voices')
    if _piper_voices(source):
        return "piper"
    raise ModelInputError(f"{source} is not a model folder ovspeech imports; expected {EXPECTED}")


def _require_tokenizer(source: Path, files: tuple[tuple[str, ...], ...], what: str) -> None:
    if not any(all((source / name).is_file() for name in option) for option in files):
        raise ModelInputError(f"{source} has no tokenizer ({what})")


def import_piper(source: Path, output: Path, model_id: str, weight_format: str) -> None:
    if weight_format != "fp32":
        raise ModelInputError(
            f"--weight-format {weight_format} is not supported for a Piper voice: ovspeech serves its .onnx as Piper "
            "ships it (fp32); fp16, int8 and int4 are for Whisper and SpeechT5")
    if source.is_dir():
        voices = _piper_voices(source)
        if len(voices) != 1:
            raise ModelInputError(f"{source} holds {len(voices)} Piper voices; name the .onnx of the one to import")
        onnx = voices[0]
    else:
        onnx = source
    config_file = onnx.with_name(onnx.name + ".json")
    if not config_file.is_file():
        raise ModelInputError(f"{onnx} has no {config_file.name} beside it, which a Piper voice ships with")
    where = f"{config_file.name} in {config_file.parent}"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelInputError(f"{where} cannot be read as JSON: {error}") from error
    if not isinstance(config, dict) or not isinstance(config.get("phoneme_id_map"), dict):
        raise ModelInputError(f"{where} has no phoneme_id_map")
    if not isinstance(config.get("espeak", {}).get("voice"), str):
        raise ModelInputError(f"{where} names no espeak.voice")
    if not isinstance(config.get("audio", {}).get("sample_rate"), int):
        raise ModelInputError(f"{where} has no audio.sample_rate")
    report("copy", model_id)
    output.mkdir(parents=True)
    for file in (onnx, config_file, *(onnx.parent / name for name in ("MODEL_CARD", "LICENSE", "LICENSE.txt"))):
        if file.is_file():
            shutil.copy2(file, output / file.name)


def import_model(source_name: str, output: Path, scratch: Path, model_id: str, weight_format: str, vocoder_name: str | None) -> None:
    report("inspect", model_id)
    source = local(source_name, scratch, "SOURCE")
    kind = detect(source)
    if kind != "speecht5" and vocoder_name is not None:
        raise ModelInputError(f"--vocoder is for a SpeechT5 checkpoint; {source} is a {kind} model")
    if kind == "piper":
        import_piper(source, output, model_id, weight_format)
    elif kind == "ctranslate2-whisper":
        from .export import ct2_whisper_to_openvino

        ct2_whisper_to_openvino(source, scratch, output, model_id, weight_format)
    elif kind == "whisper":
        _require_tokenizer(source, (("tokenizer.json",), ("vocab.json", "merges.txt")), "tokenizer.json, or vocab.json with merges.txt")
        if not (source / "preprocessor_config.json").is_file():
            raise ModelInputError(f"{source} has no preprocessor_config.json (Whisper's feature extractor)")
        from .export import export_whisper

        export_whisper(source, output, model_id, weight_format)
    else:
        _require_tokenizer(source, (("spm_char.model",),), "spm_char.model, SpeechT5's SentencePiece model")
        if vocoder_name is None:
            raise ModelInputError(f"{source} is a SpeechT5 checkpoint, which needs --vocoder DIR|HF-ID "
                                  "(a SpeechT5 HiFi-GAN, such as microsoft/speecht5_hifigan)")
        vocoder = local(vocoder_name, scratch, "--vocoder")
        vocoder_config = _config(vocoder) if vocoder.is_dir() else None
        if (vocoder_config or {}).get("model_type") != "hifigan":
            raise ModelInputError(f'--vocoder {vocoder} is not a SpeechT5 HiFi-GAN folder (config.json with model_type "hifigan", '
                                  "as microsoft/speecht5_hifigan)")
        from .export import export_speecht5

        export_speecht5(source, vocoder, output, model_id, weight_format)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("output", type=Path)
    parser.add_argument("scratch", type=Path)
    parser.add_argument("--id", required=True, help="the model's id, for progress lines")
    parser.add_argument("--weight-format", choices=WEIGHT_FORMATS, default="fp32")
    parser.add_argument("--vocoder")
    args = parser.parse_args()
    keep_stdout_for_progress()
    try:
        import_model(args.source, args.output, args.scratch, args.id, args.weight_format, args.vocoder)
    except ModelInputError as error:
        print(error, file=sys.stderr)
        sys.exit(BAD_INPUT_STATUS)
    except HubUnreachable as error:
        print(error, file=sys.stderr)
        sys.exit(HUB_UNREACHABLE_STATUS)
    report("done", args.id)


if __name__ == "__main__":
    main()
