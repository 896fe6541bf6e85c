"""Piper's inference of a text with onnxruntime: the reference ovspeech's Piper family is compared with.

Phonemes come from the espeak-ng program with Piper's conventions (piper-phonemize): a clause per
punctuation mark, its IPA decomposed (NFD), the mark after it ("." "?" "!" or ", " ": " "; "), language
switch flags such as "(fr)" left out; ids are "^", "_", each phoneme's ids followed by "_", then "$",
with phonemes the voice lacks left out. Written independently of native/tts, so that the two check
each other.

Usage: piper_reference.py VOICE.onnx TEXT OUT.f32 [--noise-scale 0] [--length-scale 1] [--noise-w 0]
Writes the waveform as float32 to OUT.f32 and prints {"ids": [...], "sample_rate": N} on stdout.
"""

import argparse
import json
import subprocess
import sys
import unicodedata

import numpy as np
import onnxruntime

TERMINATORS = {".": ".", "?": "?", "!": "!", ",": ", ", ":": ": ", ";": "; "}


def clauses(text):
    """(clause, terminator) where espeak-ng ends a clause at a mark followed by white space or the end."""
    found, start = [], 0
    for i, char in enumerate(text):
        if char in TERMINATORS and (i + 1 == len(text) or text[i + 1].isspace()):
            if text[start : i + 1].strip():
                found.append((text[start : i + 1], TERMINATORS[char]))
            start = i + 1
    if text[start:].strip():
        found.append((text[start:], ""))
    return found


def espeak_ipa(clause, voice):
    result = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "-b", "1", "-v", voice, "--stdin"],
        input=clause.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=30,
    )
    lines = []
    for line in result.stdout.decode("utf-8").splitlines():
        kept, in_flag = "", False
        for char in line:
            if in_flag:
                in_flag = char != ")"
            elif char == "(":
                in_flag = True
            else:
                kept += char
        if kept.strip():
            lines.append(kept.strip())
    return " ".join(lines)


def phonemize(text, voice):
    phonemes, spoken = "", False
    for clause, terminator in clauses(text):
        ipa = espeak_ipa(clause, voice)
        spoken = spoken or bool(ipa)
        if phonemes and not phonemes.endswith(" "):
            phonemes += " "
        phonemes += ipa + terminator
    return unicodedata.normalize("NFD", phonemes.rstrip(" ")) if spoken else ""


def phoneme_ids(phonemes, config):
    id_map, replacements = config["phoneme_id_map"], config.get("phoneme_map", {})
    ids = id_map["^"] + id_map["_"]
    for phoneme in phonemes:
        for each in replacements.get(phoneme, [phoneme]):
            if each in id_map:
                ids += id_map[each] + id_map["_"]
    return ids + id_map["$"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("onnx")
    parser.add_argument("text")
    parser.add_argument("out")
    parser.add_argument("--noise-scale", type=float, default=0.0)
    parser.add_argument("--length-scale", type=float, default=1.0)
    parser.add_argument("--noise-w", type=float, default=0.0)
    parser.add_argument("--speaker", type=int)
    args = parser.parse_args()
    with open(args.onnx + ".json", encoding="utf-8") as file:
        config = json.load(file)
    ids = phoneme_ids(phonemize(args.text, config["espeak"]["voice"]), config)
    session = onnxruntime.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
    inputs = {
        "input": np.array([ids], dtype=np.int64),
        "input_lengths": np.array([len(ids)], dtype=np.int64),
        "scales": np.array([args.noise_scale, args.length_scale, args.noise_w], dtype=np.float32),
    }
    if args.speaker is not None:
        inputs["sid"] = np.array([args.speaker], dtype=np.int64)
    audio = session.run(None, inputs)[0].astype(np.float32).reshape(-1)
    audio.tofile(args.out)
    json.dump({"ids": ids, "sample_rate": config["audio"]["sample_rate"]}, sys.stdout)


if __name__ == "__main__":
    main()
