"""Instruments: load TOML files, rejecting every mistake with the file, the question and the fix."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from os import PathLike
from pathlib import Path

from forms.model import Instrument
from forms.model import InstrumentError
from forms.parser import Parser

__all__ = ["available_instruments", "get_instrument", "load_instrument", "parse_instrument"]


def parse_instrument(text: str, source: str = "<string>") -> Instrument:
    """Parse and check one instrument; `source` (a file name) prefixes every error message."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError.at(
            source, f"TOML syntax error: {exc}", "correct the TOML at that line and column"
        ) from None
    return Parser(source).instrument(data, text)


def load_instrument(path: str | PathLike[str]) -> Instrument:
    """Read and parse an instrument file (UTF-8 TOML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InstrumentError.at(path.name, f"not UTF-8 text ({exc})", "save it as UTF-8") from None
    return parse_instrument(text, source=path.name)


def get_instrument(instrument_id: str, version: int | None = None) -> Instrument:
    """A shipped instrument (forms/instruments/*.toml); the latest version when `version` is None."""
    shipped = _shipped()
    versions = sorted(v for (iid, v) in shipped if iid == instrument_id)
    if not versions:
        known = ", ".join(f"{iid} v{v}" for iid, v in sorted(shipped))
        raise InstrumentError.at(
            "forms/instruments", f"unknown instrument {instrument_id!r}", f"use one of: {known}"
        )
    if version is None:
        version = versions[-1]
    if version not in versions:
        raise InstrumentError.at(
            "forms/instruments",
            f"instrument {instrument_id!r} has no version {version!r}",
            f"use one of its versions: {', '.join(map(str, versions))}",
        )
    return shipped[(instrument_id, version)]


def available_instruments() -> list[tuple[str, int]]:
    """(id, version) of every shipped instrument, sorted."""
    return sorted(_shipped())


@functools.cache
def _shipped() -> dict[tuple[str, int], Instrument]:
    found: dict[tuple[str, int], Instrument] = {}
    folder = resources.files("forms").joinpath("instruments")
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if not entry.name.endswith(".toml"):
            continue
        instrument = parse_instrument(entry.read_text(encoding="utf-8"), source=entry.name)
        key = (instrument.id, instrument.version)
        if key in found:
            raise InstrumentError.at(
                entry.name,
                f"instrument {instrument.id!r} v{instrument.version} is also in {found[key].source}",
                "give each file its own id or version",
            )
        found[key] = instrument
    return found
