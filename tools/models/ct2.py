"""Reader of CTranslate2's `model.bin` (binary version 6), the format faster-whisper models ship in.

Layout, all little-endian: uint32 binary version; string spec name; uint32 spec revision; uint32 variable
count, then per variable: string name, uint8 rank, uint32 per dimension, uint8 dtype id, uint32 byte count,
the bytes; then uint32 alias count and per alias two strings (alias, name of the variable it stands for).
A string is a uint16 length that counts a trailing NUL, then the UTF-8 bytes and the NUL.
"""

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .model_input import ModelInputError

SUPPORTED_VERSION = 6
# CTranslate2's DataType enum order; bfloat16 is widened to float32 on reading.
DTYPES = {0: np.dtype("<f4"), 1: np.dtype("i1"), 2: np.dtype("<i2"), 3: np.dtype("<i4"), 4: np.dtype("<f2"), 5: "bfloat16"}


class CT2FormatError(ModelInputError):
    """model.bin is cut short, of another binary version, or otherwise not what this reader knows."""


@dataclass
class CT2Model:
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.data = memoryview(path.read_bytes())
        self.offset = 0

    def take(self, count: int, what: str) -> memoryview:
        end = self.offset + count
        if end > len(self.data):
            raise CT2FormatError(
                f"{self.path} is cut short: {what} needs {count:,} bytes at offset {self.offset:,}, "
                f"but the file ends at {len(self.data):,}")
        chunk = self.data[self.offset:end]
        self.offset = end
        return chunk

    def number(self, fmt: str, what: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt), what))[0]

    def string(self, what: str) -> str:
        length = self.number("H", what)
        raw = bytes(self.take(length, what))
        if length == 0 or raw[-1] != 0:
            raise CT2FormatError(f"{self.path}: {what} at offset {self.offset - length:,} is not a NUL-terminated string")
        return raw[:-1].decode("utf-8")


def _array(raw: memoryview, dtype_id: int, shape: list[int], name: str, path: Path) -> np.ndarray:
    if dtype_id not in DTYPES:
        raise CT2FormatError(f"{path}: variable {name} has unknown dtype id {dtype_id}")
    dtype = DTYPES[dtype_id]
    item = 2 if dtype == "bfloat16" else dtype.itemsize
    if len(raw) != item * int(np.prod(shape, dtype=np.int64)):
        raise CT2FormatError(f"{path}: variable {name} holds {len(raw):,} bytes, which does not fit shape {shape}")
    if dtype == "bfloat16":
        return (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32).reshape(shape)
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def read_ct2(path: Path) -> CT2Model:
    reader = _Reader(path)
    version = reader.number("I", "the binary version")
    if version != SUPPORTED_VERSION:
        raise CT2FormatError(f"{path} has binary version {version}; this reader knows version {SUPPORTED_VERSION}")
    spec = reader.string("the spec name")
    revision = reader.number("I", "the spec revision")
    variables = {}
    for index in range(reader.number("I", "the variable count")):
        name = reader.string(f"the name of variable {index}")
        rank = reader.number("B", f"the rank of {name}")
        shape = [reader.number("I", f"the shape of {name}") for _ in range(rank)]
        dtype_id = reader.number("B", f"the dtype of {name}")
        size = reader.number("I", f"the size of {name}")
        variables[name] = _array(reader.take(size, f"the values of {name}"), dtype_id, shape, name, path)
    aliases = {}
    for index in range(reader.number("I", "the alias count")):
        alias = reader.string(f"alias {index}")
        aliases[alias] = reader.string(f"the target of alias {alias}")
    if reader.offset != len(reader.data):
        raise CT2FormatError(f"{path} has {len(reader.data) - reader.offset:,} bytes after its last alias")
    return CT2Model(spec, revision, variables, aliases)
