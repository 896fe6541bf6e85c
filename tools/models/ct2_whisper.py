"""A CTranslate2 (faster-whisper) Whisper folder to a Hugging Face `WhisperForConditionalGeneration` folder.

Nothing is lost: every variable maps to one Hugging Face weight or is cut out of a fused one, values
unchanged (float16 and bfloat16 widen exactly to the float32 the model is saved in). CTranslate2 fuses the
self-attention q/k/v projections and the cross-attention k/v projections, with zero biases where Whisper's
key projections have none: those are split again, and a key bias that is not zero is refused. The output
projection stays tied to the token embeddings, as in Whisper.
"""

import json
import re
from pathlib import Path

import numpy as np
import torch
from transformers import AddedToken, WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizer

from fixtures.whisper_model import whisper_generation_config

from .ct2 import CT2FormatError, CT2Model, read_ct2

# CTranslate2's Activation enum value of GELU; pre-norm layers, no ALiBi, unscaled embeddings: Whisper's.
GELU = 3
EXPECTED_FLAGS = {"activation": GELU, "alibi": 0, "pre_norm": 1, "scale_embeddings": 0}


class _Variables:
    """The CT2 variables, each taken once; what is left at the end was not mapped."""

    def __init__(self, model: CT2Model, path: Path):
        self.left = dict(model.variables)
        self.path = path

    def take(self, name: str) -> np.ndarray:
        if name not in self.left:
            raise CT2FormatError(f"{self.path} lacks variable {name}, which a Whisper model has")
        return self.left.pop(name)

    def scalar(self, name: str) -> int:
        return int(self.take(name).reshape(-1)[0])


def _tensor(value: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32))


def _layer_count(model: CT2Model, stack: str) -> int:
    layers = (re.match(rf"{stack}/layer_(\d+)/", name) for name in model.variables)
    return len({match[1] for match in layers if match})


def _state_dict(model: CT2Model, path: Path) -> tuple[dict[str, torch.Tensor], dict]:
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
    for unused in ("decoder/alignment_heads", "decoder/alignment_layer", "decoder/start_from_zero_embedding"):
        v.left.pop(unused, None)

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

    projection = model.aliases.get("decoder/projection/weight")
    if projection is None:
        if not np.array_equal(v.take("decoder/projection/weight"), embeddings):
            raise CT2FormatError(f"{path}: the output projection differs from the token embeddings; Whisper ties them")
    elif projection != "decoder/embeddings/weight":
        raise CT2FormatError(f"{path}: the output projection is an alias of {projection}, not of the token embeddings")
    v.left.pop("decoder/projection/bias", None)
    if v.left:
        raise CT2FormatError(f"{path}: variables no Whisper weight takes: {', '.join(sorted(v.left))}")

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


def _tokenizer(folder: Path) -> tuple[WhisperTokenizer, list[str]]:
    """The package's tokenizer.json, with the tokens vocabulary.txt has beyond it (the timestamps) added
    after it; every id must then name the same token in both."""
    vocabulary = (folder / "vocabulary.txt").read_text(encoding="utf-8").split("\n")
    if vocabulary[-1] == "":
        vocabulary.pop()
    tokenizer = WhisperTokenizer(tokenizer_file=str(folder / "tokenizer.json"))
    missing = vocabulary[len(tokenizer):]
    tokenizer.add_tokens([AddedToken(token, special=False, normalized=False) for token in missing])
    for token_id, token in enumerate(vocabulary):
        found = tokenizer.convert_ids_to_tokens(token_id)
        if found != token:
            raise CT2FormatError(f"{folder}: token {token_id} is {found!r} in tokenizer.json but {token!r} in vocabulary.txt")
    return tokenizer, vocabulary


def convert(ct2_folder: Path, output: Path) -> None:
    """Writes the Hugging Face folder (weights, config, generation config, tokenizer, feature extractor)."""
    ct2_config = json.loads((ct2_folder / "config.json").read_text(encoding="utf-8"))
    model_file = ct2_folder / "model.bin"
    ct2 = read_ct2(model_file)
    if ct2.spec != "WhisperSpec":
        raise CT2FormatError(f"{model_file} holds a {ct2.spec}, not a WhisperSpec")
    state, dims = _state_dict(ct2, model_file)
    tokenizer, vocabulary = _tokenizer(ct2_folder)
    if len(vocabulary) != dims["vocab_size"]:
        raise CT2FormatError(f"{ct2_folder}: vocabulary.txt has {len(vocabulary)} tokens, the embeddings {dims['vocab_size']}")
    token_ids = {token: token_id for token_id, token in enumerate(vocabulary) if token.startswith("<|")}
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
