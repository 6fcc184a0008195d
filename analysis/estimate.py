"""Every estimate of a study: the ``results.json`` structure of docs/design.md "Analysis results".

Rules (docs/methods.md §1–2, §6): only valid pairs enter the estimates; sham pairs are analysed
separately (background discordance) and never pooled; invalid pairs are counted by reason;
incomplete pairs (an outcome missing on either side) are excluded and bounded by counting them
all as b-type, then all as c-type. Every binary entry carries the venue-robust keys of
:mod:`analysis.clustered` (targets are the clusters) and ``inference``, which says whether they
or Tango/mid-p lead (:mod:`analysis.headline`). Holm adjusts the headline p within an outcome
across target types; the overall headline p of the secondary outcomes are adjusted together by
Benjamini–Hochberg.

A continuous outcome with a condition (``given`` in the instrument: a fee exists only for a team
let in) is compared among the pairs in which both teams met it; the other pairs are counted by
reason (``excluded_by_condition``), not called missing.

Continuous differences are protected − control; each entry's ``adverse`` ("higher"/"lower", from
the instrument; None for binary outcomes) says which sign means the protected group was worse off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from analysis._common import check_confidence
from analysis._common import json_safe
from analysis.binary import paired_binary
from analysis.binary import paired_binary_from_frame
from analysis.bundle import Bundle
from analysis.bundle import read_bundle
from analysis.bundle.schema import condition
from analysis.bundle.schema import condition_column
from analysis.bundle.schema import outcome_column
from analysis.bundle.schema import outcome_columns
from analysis.clogit import conditional_logit
from analysis.clustered import venue_robust_from_frame
from analysis.continuous import paired_continuous_from_frame
from analysis.headline import headline_p
from analysis.multiplicity import benjamini_hochberg
from analysis.multiplicity import holm
from analysis.table import PairedTable

FORMAT, VERSION = "mysteryguest-results", 1
STRATA = ("target_type", "area", "first_role")
# The keys of analysis.clustered.VenueRobustResult that a binary entry carries.
VENUE_KEYS = (
    "n_targets", "max_pairs_per_target", "variance_cluster", "variance_independent",
    "design_effect", "ci_low_cluster", "ci_high_cluster", "df_cluster", "chi_square_cluster",
    "p_cluster", "inference",
)  # fmt: skip
CONDITION_REASONS = ("protected_not_met", "control_not_met", "both_not_met", "unknown")


def _groups(frame: pd.DataFrame) -> list[tuple[dict[str, str], pd.DataFrame]]:
    """All valid pairs, then one group per level of each stratifying column."""
    groups: list[tuple[dict[str, str], pd.DataFrame]] = [({}, frame)]
    for column in STRATA:
        levels = frame[column].astype(str)
        present = frame[column].notna().to_numpy() & (levels != "").to_numpy()
        for level in sorted(levels[present].unique()):
            groups.append(({column: level}, frame[present & (levels == level).to_numpy()]))
    return groups


def _join(*notes: str | None) -> str | None:
    return "; ".join(note for note in notes if note) or None


def _condition_text(rule: Any) -> str:
    return f"{rule.question} = {' or '.join(rule.values)}"


def _continuous(
    frame: pd.DataFrame, question: Any, confidence: float
) -> tuple[dict[str, Any], int]:
    """A continuous outcome in one group, conditional on both teams meeting its condition."""
    control, protected = outcome_columns(question.id)
    rule = condition(question)
    columns = [condition_column(question.id, side) for side in ("protected", "control")]
    excluded: dict[str, int] | None = None
    if rule is not None and all(column in frame.columns for column in columns):
        met_protected, met_control = (frame[column] for column in columns)
        unknown = (met_protected.isna() | met_control.isna()).to_numpy()
        p_met = met_protected.fillna(False).to_numpy(dtype=bool)
        c_met = met_control.fillna(False).to_numpy(dtype=bool)
        excluded = {
            "protected_not_met": int((~unknown & ~p_met & c_met).sum()),
            "control_not_met": int((~unknown & p_met & ~c_met).sum()),
            "both_not_met": int((~unknown & ~p_met & ~c_met).sum()),
            "unknown": int(unknown.sum()),
        }
        frame = frame[~unknown & p_met & c_met]
    result = paired_continuous_from_frame(
        frame, control=control, protected=protected, confidence=confidence
    )
    data = result.to_dict()
    data["condition"] = (
        {"question": rule.question, "values": list(rule.values)} if excluded is not None else None
    )
    data["excluded_by_condition"] = excluded
    data["inference"] = "independent"  # pairs treated as independent (no venue-robust version)
    if excluded is not None and rule is not None:
        left_out = sum(excluded.values())
        data["note"] = _join(
            f"conditional on both teams meeting {_condition_text(rule)}"
            + (f"; {left_out} pair(s) left out: only the protected team did not meet it "
               f"{excluded['protected_not_met']}, only the control team "
               f"{excluded['control_not_met']}, neither {excluded['both_not_met']}, unknown "
               f"{excluded['unknown']}" if left_out else ""),
            data["note"],
        )  # fmt: skip
    return data, result.n_dropped


def _estimate(frame: pd.DataFrame, question: Any, confidence: float) -> tuple[dict[str, Any], int]:
    """One outcome in one group: the result dict and the number of incomplete pairs."""
    if question.outcome.kind == "continuous":
        return _continuous(frame, question, confidence)
    control, protected = outcome_columns(question.id)
    complete = frame[control].notna() & frame[protected].notna()
    binary = paired_binary_from_frame(
        frame.loc[complete, [control, protected]].astype(bool),  # only the two columns
        control=control,
        protected=protected,
        confidence=confidence,
    )
    data = binary.to_dict()
    robust = venue_robust_from_frame(
        frame.loc[complete, [control, protected, "target_code"]].astype({control: bool,
                                                                         protected: bool}),
        control=control, protected=protected, target="target_code", confidence=confidence,
    ).to_dict()  # fmt: skip
    data.update({key: robust[key] for key in VENUE_KEYS})
    data["note"] = _join(data["note"], robust["note"])
    n_incomplete = int((~complete).sum())
    data["n_incomplete"] = n_incomplete
    if n_incomplete:
        table = binary.table
        worst = PairedTable(table.a, table.b + n_incomplete, table.c, table.d)
        best = PairedTable(table.a, table.b, table.c + n_incomplete, table.d)
        data["bounds"] = {
            "net_difference_all_control_only": paired_binary(worst).net_difference,
            "net_difference_all_protected_only": paired_binary(best).net_difference,
        }
        rule = f"{n_incomplete} incomplete pair(s) excluded; bounds count them all as b, then c"
        data["note"] = _join(data["note"], rule)
    return data, n_incomplete


def _adjust(estimates: list[dict[str, Any]], primary: str | None) -> None:
    """Fill p_adjusted: Holm within outcome across target types; BH across secondary outcomes.

    The family members' p-values are their headline p (:func:`analysis.headline.headline_p`):
    Obuchowski's p where the venue-robust inference leads, else mid-p (binary) or Wilcoxon.
    """
    for outcome in {entry["outcome"] for entry in estimates}:
        family = [
            entry for entry in estimates
            if entry["outcome"] == outcome and entry["sample"] == "test"
            and set(entry["stratum"]) == {"target_type"}
        ]  # fmt: skip
        for entry, adjusted in zip(family, holm([headline_p(e) for e in family]), strict=True):
            entry["p_adjusted"], entry["adjustment"] = adjusted, "holm"
    secondary = [
        entry for entry in estimates
        if entry["sample"] == "test" and entry["stratum"] == {} and entry["outcome"] != primary
    ]  # fmt: skip
    for entry, adjusted in zip(
        secondary, benjamini_hochberg([headline_p(e) for e in secondary]), strict=True
    ):
        entry["p_adjusted"], entry["adjustment"] = adjusted, "benjamini_hochberg"


def _models(frame: pd.DataFrame, questions: list[Any]) -> list[dict[str, Any]]:
    models = []
    roles = set(frame["first_role"].dropna().astype(str))
    for question in questions:
        if question.outcome.kind != "binary":
            continue
        control, protected = outcome_columns(question.id)
        columns = [control, protected, "target_type", "first_role", "target_code"]
        complete = frame.loc[frame[control].notna() & frame[protected].notna(), columns]
        complete = complete.astype({control: bool, protected: bool})
        if complete.empty:
            continue
        with_order = roles == {"protected", "control"} and complete["first_role"].notna().all()
        typed = complete["target_type"].notna().all()  # else one common "protected" term
        result = conditional_logit(
            complete, control=control, protected=protected,
            target_type="target_type" if typed else None,
            first_role="first_role" if with_order else None, outcome=question.id,
        )  # fmt: skip
        entry = result.to_dict()
        if not with_order:
            entry["note"] = "; ".join(
                filter(None, [entry["note"], "order term omitted: first_role not randomised"])
            )
        models.append(entry)
    return models


Step = Callable[[], None]
Progress = Callable[[list[Step]], Iterable[Step]]


def _with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    """A tidy frame from elsewhere may leave out the bookkeeping columns of a bundle."""
    defaults: dict[str, Any] = {
        "valid": True, "sham": False, "invalid_reasons": (), "target_type": pd.NA,
        "area": pd.NA, "first_role": pd.NA,
    }  # fmt: skip
    missing = {name: value for name, value in defaults.items() if name not in frame.columns}
    if not missing and "target_code" in frame.columns:
        return frame
    frame = frame.copy()
    for name, value in missing.items():
        frame[name] = [value] * len(frame) if isinstance(value, tuple) else value
    if "target_code" not in frame.columns:  # each pair its own cluster
        frame["target_code"] = [f"pair-{index}" for index in range(len(frame))]
    return frame


def analyze_frame(
    frame: pd.DataFrame, instrument: Any, *, study: dict[str, Any] | None = None,
    confidence: float = 0.95, progress: Progress | None = None,
) -> dict[str, Any]:  # fmt: skip
    """results.json as a dict from a tidy pairs frame (see :mod:`analysis.bundle`).

    `progress`, if given, wraps the list of estimation steps (e.g. in a progress bar) and
    yields them back in order.
    """
    level = check_confidence(confidence)
    frame = _with_defaults(frame)
    questions = list(instrument.outcomes())
    for question in questions:
        for column in outcome_columns(question.id):
            if column not in frame.columns:
                raise ValueError(
                    f"column {column} not in frame: every outcome question of instrument "
                    f"{instrument.id!r} needs a column per side, e.g. "
                    f"{outcome_column(question.id, 'protected')}"
                )
    primary = next((q.id for q in questions if q.outcome.primary), None)
    invalid = frame[~frame["valid"].astype(bool)]
    valid = frame[frame["valid"].astype(bool)]
    is_sham = valid["sham"].astype(bool)
    tests, shams = valid[~is_sham], valid[is_sham]
    reasons = Counter(reason for row in invalid["invalid_reasons"] for reason in row)
    estimates: list[dict[str, Any]] = []
    incomplete: list[dict[str, Any]] = []
    models: list[dict[str, Any]] = []

    def estimate_step(question: Any, sample: str, stratum: dict[str, str],
                      group: pd.DataFrame) -> Step:  # fmt: skip
        def step() -> None:
            data, n_incomplete = _estimate(group, question, level)
            entry = {"outcome": question.id, "kind": question.outcome.kind,
                     "adverse": question.outcome.adverse, "primary": question.id == primary,
                     "sample": sample, "stratum": stratum, "adjustment": None,
                     **data}  # fmt: skip
            estimates.append(entry)
            if n_incomplete and sample == "test" and set(stratum) <= {"target_type"}:
                incomplete.append(
                    {"outcome": question.id, "stratum": stratum, "n_pairs": n_incomplete}
                )

        return step

    samples: list[tuple[str, list[tuple[dict[str, str], pd.DataFrame]]]] = [
        ("test", _groups(tests)),
        ("sham", [({}, shams)]),
    ]
    steps = [
        estimate_step(question, sample, stratum, group)
        for question in questions
        for sample, groups in samples
        for stratum, group in groups
    ]
    steps.append(lambda: models.extend(_models(tests, questions)))
    for step in progress(steps) if progress is not None else steps:
        step()
    _adjust(estimates, primary)
    data_quality = {
        "n_tests": len(frame),
        "n_valid": len(valid),
        "n_invalid": len(invalid),
        "invalid_by_reason": dict(sorted(reasons.items())),
        "invalid_by_target_type": invalid["target_type"].value_counts().sort_index().to_dict(),
        "n_sham": len(shams),
        "n_valid_tests": len(tests),
        "incomplete": incomplete,
    }
    return json_safe(
        {
            "format": FORMAT,
            "version": VERSION,
            "study": study or {},
            "confidence": level,
            "data_quality": data_quality,
            "estimates": estimates,
            "models": models,
        }
    )


def analyze_bundle(
    bundle: Bundle | str | Path, *, confidence: float = 0.95, progress: Progress | None = None
) -> dict[str, Any]:
    """results.json (docs/design.md "Analysis results") for a bundle folder or a read :class:`Bundle`.

    Parameters
    ----------
    bundle
        A folder path or the result of :func:`analysis.bundle.read_bundle`.
    confidence
        Level of every interval.

    Returns
    -------
    dict
        JSON-safe: ``format``, ``version``, ``study``, ``confidence``, ``data_quality``,
        ``estimates`` (one per outcome × sample × stratum), ``models``.
    """
    read = bundle if isinstance(bundle, Bundle) else read_bundle(bundle)
    return analyze_frame(
        read.pairs, read.instrument, study=read.study, confidence=confidence, progress=progress
    )
