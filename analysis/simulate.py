"""Synthetic export bundles with a known truth, for tests, benchmarks and notebooks.

A simulated study of the shipped ``nightlife-door`` instrument: targets (venues) of several types
in several areas, visited by matched pairs; each pair's outcome table is drawn from the venue's
own probabilities, so that discordance varies between venues (a venue random effect on the
logit of the discordance) and, with ``icc`` > 0, so does its direction (a venue's share of
discordant pairs that favour the control team, :mod:`analysis.venue_effects`: the clustering
that docs/methods.md §6 is for, with intra-venue correlation ``icc`` of the pair difference). Some pairs are invalid (interval exceeded, deviation), some are sham pairs (two control
teams: no true difference), first visits are randomised.

``truth.json`` holds, per target type and outcome, the true net measure *of the venues drawn*
(the mean over that type's valid tests of p10_v − p01_v), which is what the estimator targets,
next to the nominal (p10 − p01) the caller asked for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

import forms
from analysis.bundle import write_bundle
from analysis.bundle.schema import manifest as bundle_manifest
from analysis.venue_effects import venue_directions

INSTRUMENT = "nightlife-door"
DEFAULT_EFFECTS: dict[str, tuple[float, float]] = {
    "club": (0.20, 0.04),
    "bar": (0.10, 0.05),
    "lounge": (0.06, 0.06),
}
AREAS = ("centrum", "scheveningen", "laak", "escamp")
# Secondary binary outcomes: (p10, p01) in every type (b: only the control team favourable).
SECONDARY = {"id_asked": (0.12, 0.05), "staff_tone": (0.10, 0.04)}
# Continuous outcomes: the true mean difference protected − control.
WAIT_SHIFT_MINUTES = 2.0
FEE_SURCHARGE_EUR, FEE_SURCHARGE_SHARE = 5.0, 0.1
OUTCOMES = ("admitted", "id_asked", "fee_eur", "wait_minutes", "staff_tone")


def _check_effects(effects: Mapping[str, Sequence[float]]) -> dict[str, tuple[float, float]]:
    if not effects:
        raise ValueError("effects must name at least one target type, e.g. {'club': (0.2, 0.05)}")
    checked = {}
    for target_type, shares in effects.items():
        p10, p01 = (float(value) for value in shares)
        if not (p10 >= 0 and p01 >= 0 and 0 < p10 + p01 < 1):
            raise ValueError(
                f"effect for {target_type!r}: need p10, p01 ≥ 0 and 0 < p10 + p01 < 1; "
                f"got {p10}, {p01}"
            )
        checked[str(target_type)] = (p10, p01)
    return checked


def _venue_shares(
    p10: float, p01: float, venue_effect: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-venue (p10_v, p01_v): discordance shifted on the logit scale, direction kept."""
    psi = p10 + p01
    psi_v = special.expit(special.logit(psi) + venue_effect)
    return psi_v * (p10 / psi), psi_v * (p01 / psi)


def _draw_cells(
    rng: np.random.Generator, p10: np.ndarray, p01: np.ndarray, concordant_favourable: float
) -> tuple[np.ndarray, np.ndarray]:
    """(control favourable, protected favourable) per pair from per-pair cell probabilities."""
    u = rng.random(p10.size)
    b = u < p10
    c = (u >= p10) & (u < p10 + p01)
    rest = ~(b | c)
    a = rest & (rng.random(p10.size) < concordant_favourable)
    return a | b, a | c


def simulate_frame(
    *,
    pairs: int,
    seed: int,
    effects: Mapping[str, Sequence[float]] | None = None,
    targets: int | None = None,
    venue_sd: float = 0.8,
    icc: float = 0.0,
    invalid_share: float = 0.05,
    sham_share: float = 0.03,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The pair records (:mod:`analysis.bundle.write`; answers as stored) and the truth.

    Parameters: as :func:`simulate_bundle`.
    """
    if pairs < 1 or int(pairs) != pairs:
        raise ValueError(f"pairs must be a positive integer; got {pairs!r}")
    for name, share in (("invalid_share", invalid_share), ("sham_share", sham_share)):
        if not 0 <= share < 1 or math.isnan(share):
            raise ValueError(f"{name} must lie in [0, 1); got {share}")
    effects = _check_effects(effects if effects is not None else DEFAULT_EFFECTS)
    types = list(effects)
    targets = targets if targets is not None else max(len(types) * 4, pairs // 8)
    if targets < len(types):
        raise ValueError(f"targets must be at least the number of types ({len(types)})")
    rng = np.random.default_rng(seed)
    # The direction effect draws from its own stream: icc = 0 leaves every other draw as it was.
    direction_rng = np.random.default_rng([seed, 1])
    target_type = np.array([types[index % len(types)] for index in range(targets)])
    target_area = rng.choice(AREAS, size=targets)
    venue_effect = rng.normal(0.0, venue_sd, size=targets)
    venue_wait = rng.gamma(2.0, 4.0, size=targets)  # mean wait per venue, minutes
    venue_fee = rng.choice([0.0, 5.0, 7.5, 10.0, 15.0], size=targets)

    venue = rng.integers(0, targets, size=pairs)
    kinds = target_type[venue]
    valid = rng.random(pairs) >= invalid_share
    sham = valid & (rng.random(pairs) < sham_share)
    control_ok: dict[str, np.ndarray] = {}
    protected_ok: dict[str, np.ndarray] = {}
    truth: dict[str, Any] = {"seed": seed, "pairs": pairs, "targets": targets, "icc": icc,
                             "types": {}}  # fmt: skip
    pair_p10 = {name: np.zeros(pairs) for name in ("admitted", *SECONDARY)}
    pair_p01 = {name: np.zeros(pairs) for name in ("admitted", *SECONDARY)}
    for kind in types:
        shares = {"admitted": effects[kind], **SECONDARY}
        for name, (p10, p01) in shares.items():
            venue_p10, venue_p01 = _venue_shares(p10, p01, venue_effect)
            if icc > 0:
                direction = venue_directions(direction_rng, p10, p01, icc, targets)
                psi_v = venue_p10 + venue_p01
                venue_p10, venue_p01 = psi_v * direction, psi_v * (1 - direction)
            rows = kinds == kind
            pair_p10[name][rows] = venue_p10[venue[rows]]
            pair_p01[name][rows] = venue_p01[venue[rows]]
    for name in pair_p10:
        # Sham pairs are two control teams: both directions equally likely.
        both = (pair_p10[name] + pair_p01[name]) / 2
        share10 = np.where(sham, both, pair_p10[name])
        share01 = np.where(sham, both, pair_p01[name])
        control_ok[name], protected_ok[name] = _draw_cells(rng, share10, share01, 0.85)
        pair_p10[name], pair_p01[name] = share10, share01
    tests = valid & ~sham
    for kind in types:
        rows = tests & (kinds == kind)
        nominal = {"admitted": effects[kind], **SECONDARY}
        truth["types"][kind] = {
            name: {
                "net_difference": float(np.mean(pair_p10[name][rows] - pair_p01[name][rows]))
                if rows.any() else None,
                "nominal_net_difference": nominal[name][0] - nominal[name][1],
                "p10": nominal[name][0],
                "p01": nominal[name][1],
            }
            for name in pair_p10
        }  # fmt: skip
        truth["types"][kind]["wait_minutes"] = {"mean_difference": WAIT_SHIFT_MINUTES}
        truth["types"][kind]["fee_eur"] = {
            "mean_difference": FEE_SURCHARGE_EUR * FEE_SURCHARGE_SHARE
        }
    truth["overall"] = {
        "admitted": {
            "net_difference": float(np.mean(pair_p10["admitted"][tests] - pair_p01["admitted"][tests]))
        },
        "wait_minutes": {"mean_difference": WAIT_SHIFT_MINUTES},
    }  # fmt: skip

    # Continuous outcomes; the protected team waits WAIT_SHIFT_MINUTES longer on average and pays
    # a surcharge now and then. Sham pairs have no shift.
    shift = np.where(sham, 0.0, WAIT_SHIFT_MINUTES)
    wait_control = rng.poisson(venue_wait[venue])
    wait_protected = rng.poisson(venue_wait[venue] + shift)
    fee_control = venue_fee[venue]
    surcharge = (rng.random(pairs) < FEE_SURCHARGE_SHARE) & ~sham
    # surcharges of 2.50, 5 or 7.50 (mean FEE_SURCHARGE_EUR), so that the differences vary
    amount = rng.choice([0.5, 1.0, 1.5], size=pairs) * FEE_SURCHARGE_EUR
    fee_protected = fee_control + np.where(surcharge, amount, 0.0)
    refusal = rng.choice(["no", "conditional"], p=[0.7, 0.3], size=(pairs, 2))
    tone = rng.choice(["friendly", "neutral"], size=(pairs, 2))
    bad_tone = rng.choice(["unfriendly", "hostile"], p=[0.8, 0.2], size=(pairs, 2))

    protected_first = rng.random(pairs) < 0.5
    interval = rng.integers(2, 13, size=pairs).astype(float)
    invalid_kind = rng.random(pairs) < 0.5
    interval = np.where(~valid & invalid_kind, rng.integers(21, 60, size=pairs), interval)
    start = date(2026, 3, 6)
    nights = rng.integers(0, 90, size=pairs)
    rows_out: list[dict[str, Any]] = []
    for index in range(pairs):
        reasons = (
            [] if valid[index] else ["interval_exceeded" if invalid_kind[index] else "deviation"]
        )
        answers: dict[str, dict[str, Any]] = {}
        for side, ok, column in (("protected", protected_ok, 0), ("control", control_ok, 1)):
            admitted = bool(ok["admitted"][index])
            fee = fee_protected[index] if side == "protected" else fee_control[index]
            wait = wait_protected[index] if side == "protected" else wait_control[index]
            good = ok["staff_tone"][index]
            answers[side] = {
                "admitted": "yes" if admitted else str(refusal[index, column]),
                "id_asked": not bool(ok["id_asked"][index]),
                # a fee exists only for a team that was let in (unconditionally or on conditions)
                "fee_eur": f"{fee:g}"
                if admitted or refusal[index, column] == "conditional"
                else None,
                "wait_minutes": int(min(wait, 240)),
                "staff_tone": str((tone if good else bad_tone)[index, column]),
            }
        rows_out.append({
            "test_id": index + 1,
            "target_code": f"V{venue[index] + 1:04d}",
            "target_type": str(kinds[index]),
            "area": str(target_area[venue[index]]),
            "date": (start + timedelta(days=int(nights[index]))).isoformat(),
            "first_role": "protected" if protected_first[index] else "control",
            "interval_minutes": f"{interval[index]:g}",
            "valid": bool(valid[index]),
            "invalid_reasons": reasons,
            "sham": bool(sham[index]),
            "order_followed": True,
            "retest": False,
            "answers": answers,
        })  # fmt: skip
    return rows_out, truth


def _visits(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"report_uuid": f"sim-{row['test_id']}-{side}", "test_id": row["test_id"], "role": side,
         "team_code": f"{team}{int(row['test_id']) % 6 + 1:02d}", "answers": row["answers"][side]}
        for row in rows
        for side, team in (("protected", "P"), ("control", "R"))
    ]  # fmt: skip


def simulate_bundle(out: str | Path, *, pairs: int, seed: int, **settings: Any) -> dict[str, Any]:
    """Write a synthetic bundle (and ``truth.json``) into the new or empty folder `out`.

    Parameters
    ----------
    out
        Folder to create (or an empty one).
    pairs
        Number of tests (valid, invalid and sham together).
    seed
        Seed of the random generator: the same seed writes identical files.
    effects
        Target type → (p10, p01) of the primary outcome ``admitted``: expected shares of pairs in
        which only the control (p10) or only the protected team (p01) is let in.
    targets
        Number of venues (default: about one per 8 pairs).
    venue_sd
        SD of the venue random effect on the logit of the discordance (default 0.8).
    icc
        Intra-venue correlation of the pair difference from a venue random effect in the
        direction of discordance (default 0: none; see :mod:`analysis.venue_effects`).
    invalid_share, sham_share
        Expected shares of invalid tests and of sham (control–control) pairs (defaults 0.05,
        0.03).

    Returns
    -------
    dict
        The truth written to ``truth.json``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     truth = simulate_bundle(pathlib.Path(folder) / "b", pairs=50, seed=1)
    ...     names = sorted(path.name for path in (pathlib.Path(folder) / "b").iterdir())
    >>> names  # doctest: +NORMALIZE_WHITESPACE
    ['codebook.csv', 'instrument.toml', 'manifest.json', 'pairs.csv', 'truth.json',
     'visits.csv']
    >>> sorted(truth["types"])
    ['bar', 'club', 'lounge']
    """
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(f"{folder} exists and is not an empty folder")
    rows, truth = simulate_frame(pairs=pairs, seed=seed, **settings)
    instrument = forms.get_instrument(INSTRUMENT)
    types = sorted({row["target_type"] for row in rows})
    manifest = bundle_manifest(
        study={
            "code": f"SIM-{seed}",
            "title": f"Simulated nightlife study (seed {seed})",
            "domain": "nightlife",
            "instrument": instrument.id,
            "instrument_version": instrument.version,
            "purpose": "simulation",
            "order_rule": "randomised",
            "max_interval_minutes": 20,
            "target_types": types,
            "simulated": True,
        },
        counts={"tests": len(rows), "valid": sum(bool(row["valid"]) for row in rows)},
        exported_at="2026-06-01T12:00:00+00:00",
        software_name="mysteryguest simulate",
    )
    truth_text = json.dumps(truth, indent=2, sort_keys=True) + "\n"
    write_bundle(folder, manifest=manifest, instrument=instrument, pairs=rows,
                 visits=_visits(rows), extra={"truth.json": truth_text})  # fmt: skip
    return truth
