"""Summary bundles (``mysteryguest-summary`` version 1): per-target counts a city can share.

A summary bundle holds, for one study (one city, one wave), per target *pseudonym* its type,
area and, per binary outcome, the paired table (a, b, c, d) of its valid pairs (docs/methods.md §7).
Pseudonyms are keyed hashes of the target code with a secret the city keeps
(:func:`pseudonym`): stable across that city's waves, meaningless elsewhere. Nothing else about
a target, no tester, no date finer than a month and no free text is in the file.

The format is the JSON Schema of :mod:`analysis.summary_schema` (written out in
``docs/summary-bundle.schema.json``), checked on read and on write, plus the rules a schema cannot
say (unique pseudonyms, counts only of declared outcomes, period in order). Every problem is a
:class:`SummaryError` that names the file and the place.

The app writes a bundle from its database with :func:`build_summary` (per-target counts it has
counted) and :func:`write_summary`; :func:`summary_from_bundle` does the same from an export
bundle. :mod:`analysis.compare` reads them back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.bundle import Bundle
from analysis.bundle import read_bundle
from analysis.bundle.schema import outcome_columns
from analysis.bundle.schema import software
from analysis.summary_schema import FORMAT
from analysis.summary_schema import SCHEMA
from analysis.summary_schema import VERSION

PSEUDONYM_HEX = 20  # 80 bits: no collision among a city's targets, nothing to look up
MIN_SECRET = 16


class SummaryError(ValueError):
    """A summary bundle that cannot be read or written; the message names the file and place."""


def pseudonym(target_code: str, secret: str | bytes) -> str:
    """The target's pseudonym: HMAC-SHA256 of its code with the city's secret, 20 hex digits.

    The same secret gives the same pseudonym in every wave; without the secret the pseudonym
    cannot be linked to a code. Keep the secret with the city, never in a bundle.

    >>> pseudonym("V-031", "a city secret of some length") == pseudonym("V-031",
    ...                                                                 "a city secret of some length")
    True
    >>> len(pseudonym("V-031", "a city secret of some length"))
    20
    """
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < MIN_SECRET:
        raise ValueError(
            f"the city secret must be at least {MIN_SECRET} characters (got {len(key)}); make "
            "one with: python -c 'import secrets; print(secrets.token_hex(32))' and keep it"
        )
    digest = hmac.new(key, f"mysteryguest-target:{target_code}".encode(), hashlib.sha256)
    return digest.hexdigest()[:PSEUDONYM_HEX]


@dataclass(frozen=True)
class TargetCounts:
    """One target of a summary: pseudonym, type, area and per outcome (a, b, c, d)."""

    target: str
    target_type: str
    area: str | None
    counts: Mapping[str, Sequence[int]]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "target_type": self.target_type, "area": self.area,
                "counts": {key: [int(v) for v in value] for key, value in self.counts.items()}}  # fmt: skip


@dataclass(frozen=True)
class Summary:
    """A read summary bundle (the JSON as a dict in ``data``) and where it came from."""

    data: Mapping[str, Any] = field(repr=False)
    source: str = "<summary>"

    @property
    def city(self) -> str:
        return str(self.data["city"])

    @property
    def study(self) -> Mapping[str, Any]:
        return self.data["study"]

    @property
    def code(self) -> str:
        return str(self.data["study"]["code"])

    @property
    def instrument_key(self) -> str:
        """``id@version`` of the instrument."""
        instrument = self.data["instrument"]
        return f"{instrument['id']}@{instrument['version']}"

    @property
    def period(self) -> tuple[str, str]:
        return self.data["period"]["from"], self.data["period"]["to"]

    def outcome(self, outcome_id: str) -> Mapping[str, Any]:
        for entry in self.data["outcomes"]:
            if entry["id"] == outcome_id:
                return entry
        known = ", ".join(entry["id"] for entry in self.data["outcomes"])
        raise SummaryError(f"{self.source}: no outcome {outcome_id!r}; its outcomes are {known}")

    def primary_outcome(self) -> str:
        for entry in self.data["outcomes"]:
            if entry["primary"]:
                return str(entry["id"])
        return str(self.data["outcomes"][0]["id"])

    def targets(self) -> list[Mapping[str, Any]]:
        return list(self.data["targets"])


@cache
def _validator() -> Any:
    import fastjsonschema  # imported on first use: the analyze command does not need it

    return fastjsonschema.compile(SCHEMA)


def validate_summary(data: Any, source: str = "<summary>") -> None:
    """Raise :class:`SummaryError` unless `data` is a valid summary bundle (schema and rules)."""
    if not isinstance(data, dict):
        raise SummaryError(f"{source}: not a mysteryguest summary bundle (a JSON object expected, "
                           f"got {type(data).__name__})")  # fmt: skip
    if data.get("format") != FORMAT:
        raise SummaryError(
            f"{source}: not a mysteryguest summary bundle (format is {data.get('format')!r}, "
            f"expected {FORMAT!r}); an export bundle is a folder: summarise it first"
        )
    if data.get("version") != VERSION:
        raise SummaryError(
            f"{source}: summary bundle version {data.get('version')!r}; this mysteryguest reads "
            f"version {VERSION}"
        )
    import fastjsonschema

    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as error:
        where, _, problem = error.message.partition(" ")
        place = "$" + where[len("data") :] if where.startswith("data") else where
        raise SummaryError(f"{source}: {place}: {problem} (JSON Schema: {error.rule})") from None
    _check_rules(data, source)


def _check_rules(data: Mapping[str, Any], source: str) -> None:
    if data["period"]["from"] > data["period"]["to"]:
        raise SummaryError(f"{source}: $.period: 'from' ({data['period']['from']}) is after "
                           f"'to' ({data['period']['to']})")  # fmt: skip
    outcomes = [entry["id"] for entry in data["outcomes"]]
    if len(set(outcomes)) != len(outcomes):
        raise SummaryError(f"{source}: $.outcomes: an outcome is listed twice ({outcomes})")
    if sum(entry["primary"] for entry in data["outcomes"]) > 1:
        raise SummaryError(f"{source}: $.outcomes: more than one primary outcome")
    declared = set(outcomes)
    seen: set[str] = set()
    for index, target in enumerate(data["targets"]):
        if target["target"] in seen:
            raise SummaryError(f"{source}: $.targets[{index}].target: pseudonym "
                               f"{target['target']!r} appears twice")  # fmt: skip
        seen.add(target["target"])
        unknown = set(target["counts"]) - declared
        if unknown:
            raise SummaryError(
                f"{source}: $.targets[{index}].counts: {sorted(unknown)} not among the declared "
                f"outcomes ({', '.join(outcomes)})"
            )


def build_summary(
    *, city: str, study: Mapping[str, Any], instrument: Any, period: Mapping[str, str | None],
    targets: Iterable[TargetCounts | Mapping[str, Any]], outcomes: Sequence[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A summary bundle as a dict (validated), from per-target counts the caller has made.

    Parameters
    ----------
    city
        The city's name (e.g. ``"Den Haag"``).
    study
        ``code``, ``title``, ``domain`` and optionally ``wave`` (1, 2, …); other keys are dropped.
    instrument
        The :class:`forms.Instrument` of the study: its id, version and binary outcomes.
    period
        ``{"from": "YYYY-MM", "to": "YYYY-MM"}``: months only.
    targets
        One :class:`TargetCounts` (or its dict) per target that has valid pairs; pseudonyms from
        :func:`pseudonym`.
    outcomes
        The binary outcomes to include (default: all binary outcomes of the instrument).
    """
    binary = [q for q in instrument.outcomes() if q.outcome.kind == "binary"]
    wanted = list(outcomes) if outcomes is not None else [q.id for q in binary]
    by_id = {q.id: q for q in binary}
    missing = [name for name in wanted if name not in by_id]
    if missing:
        raise SummaryError(f"{missing} are not binary outcomes of instrument {instrument.id!r} "
                           f"v{instrument.version}")  # fmt: skip
    if period.get("from") is None or period.get("to") is None:
        raise SummaryError("the study has no fieldwork months: a summary needs at least one "
                           "valid pair")  # fmt: skip
    data = {
        "format": FORMAT,
        "version": VERSION,
        "city": city,
        "study": {
            "title": "",
            **{
                key: study[key]
                for key in ("code", "title", "domain", "wave")
                if study.get(key) is not None
            },
        },  # fmt: skip
        "instrument": {"id": instrument.id, "version": instrument.version},
        "period": {"from": period["from"], "to": period["to"]},
        "outcomes": [
            {
                "id": name,
                "kind": "binary",
                "primary": bool(by_id[name].outcome.primary),
                **(
                    {"equivalent": list(by_id[name].outcome.equivalent)}
                    if by_id[name].outcome.equivalent
                    else {}
                ),
            }
            for name in wanted
        ],  # fmt: skip
        "targets": [
            {
                **(item.to_dict() if isinstance(item, TargetCounts) else dict(item)),
                "counts": {
                    name: [int(v) for v in counts]
                    for name, counts in (
                        item.counts if isinstance(item, TargetCounts) else item["counts"]
                    ).items()
                    if name in wanted
                },
            }
            for item in targets
        ],  # fmt: skip
        "software": software(),
    }
    validate_summary(data, f"summary of {study.get('code')!r}")
    return data


def summary_text(data: Mapping[str, Any]) -> str:
    """The file text: the header indented, then one target per line (easy to stream and diff)."""
    head = {key: value for key, value in data.items() if key != "targets"}
    text = json.dumps(head, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(t, ensure_ascii=False, separators=(", ", ": "))
                       for t in data["targets"])  # fmt: skip
    return text[:-2] + ',\n  "targets": [\n' + lines + ("\n" if lines else "") + "  ]\n}\n"


def write_summary(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Validate `data` and write it to `path` (a new file, written whole or not at all)."""
    target = Path(path)
    validate_summary(data, str(target))
    if target.exists():
        raise SummaryError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(summary_text(data))
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return target


def read_summary(path: str | Path) -> Summary:
    """Read and check a summary bundle file; :class:`SummaryError` says what is wrong."""
    file = Path(path)
    if not file.is_file():
        raise SummaryError(f"{file}: no such file")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SummaryError(
            f"{file}: not UTF-8 text; is it a mysteryguest summary bundle?"
        ) from None
    except json.JSONDecodeError as error:
        raise SummaryError(
            f"{file}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
            "the file is damaged or not a mysteryguest summary bundle"
        ) from None
    validate_summary(data, str(file))
    return Summary(data, str(file))


def counts_by_target(frame: pd.DataFrame, outcomes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per target code: its ``type``, ``area`` and ``counts`` (outcome → [a, b, c, d]) among the
    valid real pairs of a tidy pairs frame.

    A pair with an outcome missing on one side does not count for that outcome (as in the
    analysis); a target without any complete valid pair is left out.
    """
    valid = frame[frame["valid"].astype(bool) & ~frame["sham"].astype(bool)]
    result: dict[str, dict[str, Any]] = {}
    for code, group in valid.groupby(valid["target_code"].astype(str), sort=True):
        counts = {}
        for name in outcomes:
            control_column, protected_column = outcome_columns(name)
            complete = group[control_column].notna() & group[protected_column].notna()
            control = group.loc[complete, control_column].astype(bool).to_numpy()
            protected = group.loc[complete, protected_column].astype(bool).to_numpy()
            if control.size:
                counts[name] = [int(np.sum(control & protected)), int(np.sum(control & ~protected)),
                                int(np.sum(~control & protected)), int(np.sum(~control & ~protected))]  # fmt: skip
        if counts:
            first = group.iloc[0]
            area = first["area"] if isinstance(first["area"], str) and first["area"] else None
            result[str(code)] = {"type": str(first["target_type"]), "area": area, "counts": counts}
    return result


def target_counts(frame: pd.DataFrame, outcomes: Sequence[str], secret: str | bytes) -> list[
    TargetCounts
]:  # fmt: skip
    """:func:`counts_by_target` with each code replaced by its :func:`pseudonym`."""
    return [TargetCounts(pseudonym(code, secret), item["type"], item["area"], item["counts"])
            for code, item in counts_by_target(frame, outcomes).items()]  # fmt: skip


def months(frame: pd.DataFrame) -> dict[str, str | None]:
    """First and last month (YYYY-MM) of the valid real pairs' nights."""
    valid = frame[frame["valid"].astype(bool) & ~frame["sham"].astype(bool)]
    dates = pd.to_datetime(valid["date"].replace("", pd.NA).dropna(), errors="coerce").dropna()
    if dates.empty:
        return {"from": None, "to": None}
    return {"from": dates.min().strftime("%Y-%m"), "to": dates.max().strftime("%Y-%m")}


def summary_from_bundle(
    bundle: Bundle | str | Path, *, city: str, secret: str | bytes, wave: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A summary bundle (dict) of an export bundle: the same pairs the analysis uses."""
    read = bundle if isinstance(bundle, Bundle) else read_bundle(bundle)
    binary = [q.id for q in read.instrument.outcomes() if q.outcome.kind == "binary"]
    study = {**read.study, "wave": wave}
    return build_summary(
        city=city, study=study, instrument=read.instrument, period=months(read.pairs),
        targets=target_counts(read.pairs, binary, secret), outcomes=binary,
    )  # fmt: skip
