"""A CTranslate2 (faster-whisper) Whisper folder to a Hugging Face `WhisperForConditionalGeneration` folder.

Any size, 80 or 128 mel bins (read from conv1's weight), 99 or 100 languages (large-v3's extra one), or an
English-only model: the dimensions come from the weights' shapes, the special tokens from the vocabulary,
and the language tokens, alignment heads and suppressed tokens from CTranslate2's config.json.

Nothing is lost: every variable maps to one Hugging Face weight or is cut out of a fused one, values
unchanged (float16 and bfloat16 widen exactly to the float32 the model is saved in). Weights CTranslate2
quantized (int8, int16) are divided by their stored scales, which gives back the values faster-whisper
computes with. CTranslate2 fuses the self-attention q/k/v projections and the cross-attention k/v
projections, with zero biases where Whisper's key projections have none: those are split again, and a key
bias that is not zero is refused. The output projection stays tied to the token embeddings, as in Whisper.
"""

import json
import re
from pathlib import Path

import numpy as np
import torch
from transformers import AddedToken, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizer

from fixtures.whisper_model import whisper_generation_config

from .ct2 import CT2FormatError, CT2Model, read_ct2
from .model_input import ModelInputError

# CTranslate2's Activation enum value of GELU; pre-norm layers, no ALiBi, unscaled embeddings: Whisper's.
GELU = 3
EXPECTED_FLAGS = {"activation": GELU, "alibi": 0, "pre_norm": 1, "scale_embeddings": 0}


class _Variables:
    """The CT2 variables by name, aliases resolved: CTranslate2 stores a variable equal to another in shape
    and values once, as an alias (the tied output projection; in a random model, biases that are all zero).
    The variables no name took by the end were not mapped."""

    def __init__(self, model: CT2Model, path: Path):
        self.model = model
        self.untaken = set(model.variables)
        self.path = path

    def find(self, name: str) -> np.ndarray | None:
        stored = self.model.aliases.get(name, name)
        self.untaken.discard(stored)
        return self.model.variables.get(stored)

    def take(self, name: str) -> np.ndarray:
        value = self.find(name)
        if value is None:
            raise CT2FormatError(f"{self.path} lacks variable {name}, which a Whisper model has")
        # An alias's scale is its own or, stored once, that of the variable it stands for.
        scale = self.find(f"{name}_scale")
        if scale is None and name in self.model.aliases:
            scale = self.find(f"{self.model.aliases[name]}_scale")
        if scale is None:
            return value
        # Quantized: CTranslate2 stored rint(weight * scale), one scale per output row (int8) or per tensor (int16).
        return value.astype(np.float32) / scale.astype(np.float32).reshape(scale.shape + (1,) * (value.ndim - scale.ndim))

    def skip(self, name: str) -> None:
        """A variable that Hugging Face's Whisper has no place for and that changes nothing it computes."""
        self.find(name)

    def scalar(self, name: str) -> int:
        return int(self.take(name).reshape(-1)[0])


def _tensor(value: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def _layer_count(model: CT2Model, stack: str) -> int:
    layers = (re.match(rf"{stack}/layer_(\d+)/", name) for name in model.variables)
    return len({match[1] for match in layers if match})


def whisper_state_dict(model: CT2Model, path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    v = _Variables(model, path)
    state = {}

    def linear(target: str, source: str, bias: bool = True) -> None:
        state[f"{target}.weight"] = _tensor(v.take(f"{source}/weight"))
        if bias:
            state[f"{target}.bias"] = _tensor(v.take(f"{source}/bias"))

    def norm(target: str, source: str) -> None:
        state[f"{target}.weight"] = _tensor(v.take(f"{source}/gamma"))
        state[f"{target}.bias"] = _tensor(v.take(f"{source}/beta"))

    def fused(targets: list[str], source: str) -> None:
        """Splits a fused projection; the key projection ("k_proj") has no bias in Whisper."""
        weights = np.split(v.take(f"{source}/weight"), len(targets))
        biases = np.split(v.take(f"{source}/bias"), len(targets))
        for target, weight, bias in zip(targets, weights, biases):
            state[f"{target}.weight"] = _tensor(weight)
            if target.endswith("k_proj"):
                if np.any(bias != 0):
                    raise CT2FormatError(f"{path}: {source} has a key bias that is not zero; Whisper's key projections have none")
            else:
                state[f"{target}.bias"] = _tensor(bias)

    def self_attention_and_ffn(ours: str, theirs: str) -> None:
        """What encoder and decoder layers share."""
        fused([f"{ours}.self_attn.{p}_proj" for p in "qkv"], f"{theirs}/self_attention/linear_0")
        linear(f"{ours}.self_attn.out_proj", f"{theirs}/self_attention/linear_1")
        norm(f"{ours}.self_attn_layer_norm", f"{theirs}/self_attention/layer_norm")
        linear(f"{ours}.fc1", f"{theirs}/ffn/linear_0")
        linear(f"{ours}.fc2", f"{theirs}/ffn/linear_1")
        norm(f"{ours}.final_layer_norm", f"{theirs}/ffn/layer_norm")

    for flag, expected in EXPECTED_FLAGS.items():
        if v.scalar(f"decoder/{flag}") != expected:
            raise CT2FormatError(f"{path}: decoder/{flag} is not {expected} as in Whisper")
    heads = v.scalar("encoder/num_heads")
    if v.scalar("decoder/num_heads") != heads:
        raise CT2FormatError(f"{path}: the encoder and decoder have different head counts")
    # Alignment settings faster-whisper reads from config.json instead; ALiBi's options (newer CTranslate2 writes
    # them), which do nothing with ALiBi off.
    for name in ("decoder/alignment_heads", "decoder/alignment_layer", "decoder/start_from_zero_embedding",
                 "decoder/alibi_use_positive_positions", "decoder/scale_alibi"):
        v.skip(name)

    encoder_layers, decoder_layers = _layer_count(model, "encoder"), _layer_count(model, "decoder")
    linear("model.encoder.conv1", "encoder/conv1")
    linear("model.encoder.conv2", "encoder/conv2")
    state["model.encoder.embed_positions.weight"] = _tensor(v.take("encoder/position_encodings/encodings"))
    for i in range(encoder_layers):
        self_attention_and_ffn(f"model.encoder.layers.{i}", f"encoder/layer_{i}")
    norm("model.encoder.layer_norm", "encoder/layer_norm")

    embeddings = v.take("decoder/embeddings/weight")
    state["model.decoder.embed_tokens.weight"] = _tensor(embeddings)
    state["model.decoder.embed_positions.weight"] = _tensor(v.take("decoder/position_encodings/encodings"))
    for i in range(decoder_layers):
        ours, theirs = f"model.decoder.layers.{i}", f"decoder/layer_{i}"
        self_attention_and_ffn(ours, theirs)
        linear(f"{ours}.encoder_attn.q_proj", f"{theirs}/attention/linear_0")
        fused([f"{ours}.encoder_attn.{p}_proj" for p in "kv"], f"{theirs}/attention/linear_1")
        linear(f"{ours}.encoder_attn.out_proj", f"{theirs}/attention/linear_2")
        norm(f"{ours}.encoder_attn_layer_norm", f"{theirs}/attention/layer_norm")
    norm("model.decoder.layer_norm", "decoder/layer_norm")

    if not np.array_equal(v.take("decoder/projection/weight"), embeddings):
        raise CT2FormatError(f"{path}: the output projection differs from the token embeddings; Whisper ties them")
    projection_bias = v.find("decoder/projection/bias")
    if projection_bias is not None and np.any(projection_bias != 0):
        raise CT2FormatError(f"{path}: the output projection has a bias that is not zero; Whisper's has none")
    if v.untaken:
        raise CT2FormatError(f"{path}: variables no Whisper weight takes: {', '.join(sorted(v.untaken))}")

    d_model = embeddings.shape[1]
    dims = {
        "vocab_size": embeddings.shape[0],
        "num_mel_bins": state["model.encoder.conv1.weight"].shape[1],
        "d_model": d_model,
        "encoder_layers": encoder_layers,
        "decoder_layers": decoder_layers,
        "encoder_attention_heads": heads,
        "decoder_attention_heads": heads,
        "encoder_ffn_dim": state["model.encoder.layers.0.fc1.weight"].shape[0],
        "decoder_ffn_dim": state["model.decoder.layers.0.fc1.weight"].shape[0],
        "max_source_positions": state["model.encoder.embed_positions.weight"].shape[0],
        "max_target_positions": state["model.decoder.embed_positions.weight"].shape[0],
    }
    return state, dims


def _vocabulary(folder: Path, tokenizer: WhisperTokenizer, vocab_size: int) -> tuple[list[str], str]:
    """The model's tokens by id and where they come from: vocabulary.json (what CTranslate2 4 writes) or
    vocabulary.txt (older conversions), else the tokenizer's tokens with the timestamps CTranslate2 appends
    up to the embeddings' size."""
    if (folder / "vocabulary.json").is_file():
        return json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")), "vocabulary.json"
    if (folder / "vocabulary.txt").is_file():
        vocabulary = (folder / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
        if vocabulary[-1] == "":
            vocabulary.pop()
        return vocabulary, "vocabulary.txt"
    vocabulary = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    return vocabulary + [f"<|{i * 0.02:.2f}|>" for i in range(vocab_size - len(vocabulary))], "tokenizer.json"


def _tokenizer(folder: Path, vocab_size: int) -> tuple[WhisperTokenizer, list[str]]:
    """The folder's tokenizer.json, with the tokens its vocabulary has beyond it (the timestamps) added
    after it; every id must then name the same token in both."""
    if not (folder / "tokenizer.json").is_file():
        raise ModelInputError(
            f"{folder} has no tokenizer.json, which a CTranslate2 Whisper folder needs for its text "
            "(ct2-transformers-converter writes it with --copy_files tokenizer.json)")
    tokenizer = WhisperTokenizer(tokenizer_file=str(folder / "tokenizer.json"))
    vocabulary, source = _vocabulary(folder, tokenizer, vocab_size)
    missing = vocabulary[len(tokenizer):]
    tokenizer.add_tokens([AddedToken(token, special=False, normalized=False) for token in missing])
    for token_id, token in enumerate(vocabulary):
        found = tokenizer.convert_ids_to_tokens(token_id)
        if found != token:
            raise CT2FormatError(f"{folder}: token {token_id} is {found!r} in tokenizer.json but {token!r} in {source}")
    if len(vocabulary) != vocab_size:
        raise CT2FormatError(f"{folder}: {source} has {len(vocabulary)} tokens, the embeddings {vocab_size}")
    return tokenizer, vocabulary


# What CTranslate2's Whisper converter writes into config.json and the conversion reads.
CONFIG_KEYS = ("alignment_heads", "lang_ids", "suppress_ids", "suppress_ids_begin")
SPECIAL_TOKENS = ("<|endoftext|>", "<|startoftranscript|>", "<|transcribe|>", "<|translate|>", "<|notimestamps|>", "<|startofprev|>")


def convert(ct2_folder: Path, output: Path) -> None:
    """Writes the Hugging Face folder (weights, config, generation config, tokenizer, feature extractor)."""
    config_file = ct2_folder / "config.json"
    try:
        ct2_config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelInputError(f"{config_file} cannot be read as JSON: {error}") from error
    absent = [key for key in CONFIG_KEYS if key not in ct2_config]
    if absent:
        raise ModelInputError(f"{config_file} lacks {', '.join(absent)}, which CTranslate2's Whisper converter writes")
    model_file = ct2_folder / "model.bin"
    ct2 = read_ct2(model_file)
    if ct2.spec != "WhisperSpec":
        raise CT2FormatError(f"{model_file} holds a {ct2.spec}, not a WhisperSpec")
    state, dims = whisper_state_dict(ct2, model_file)
    tokenizer, vocabulary = _tokenizer(ct2_folder, dims["vocab_size"])
    token_ids = {token: token_id for token_id, token in enumerate(vocabulary) if token.startswith("<|")}
    absent = [token for token in SPECIAL_TOKENS if token not in token_ids]
    if absent:
        raise ModelInputError(f"{ct2_folder}: the vocabulary lacks Whisper's special tokens {', '.join(absent)}")
    eot = token_ids["<|endoftext|>"]

    config = WhisperConfig(
        **dims,
        pad_token_id=eot,
        bos_token_id=eot,
        eos_token_id=eot,
        decoder_start_token_id=token_ids["<|startoftranscript|>"],
        begin_suppress_tokens=ct2_config["suppress_ids_begin"],
        suppress_tokens=ct2_config["suppress_ids"],
        tie_word_embeddings=True,
    )
    model = WhisperForConditionalGeneration(config).eval()
    state["proj_out.weight"] = state["model.decoder.embed_tokens.weight"]
    model.load_state_dict(state, strict=True)
    model.tie_weights()
    model.generation_config = whisper_generation_config(
        token_ids,
        [vocabulary[token_id] for token_id in ct2_config["lang_ids"]],
        [list(pair) for pair in ct2_config["alignment_heads"]],
        ct2_config["suppress_ids"],
        ct2_config["suppress_ids_begin"],
    )
    model.save_pretrained(output)
    tokenizer.set_prefix_tokens()
    tokenizer.save_pretrained(output)
    WhisperFeatureExtractor(feature_size=dims["num_mel_bins"]).save_pretrained(output)
