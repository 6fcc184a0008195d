"""Which numbers lead: the headline estimate, interval and p of one results.json entry.

Binary outcomes (docs/methods.md §6): when some target has two or more valid pairs in the line
(``inference == "venue_robust"``), the headline is the venue-robust interval
(``ci_low_cluster``/``ci_high_cluster``) and Obuchowski's test (``p_cluster``); Tango's interval
and the mid-p McNemar test stay in the entry, labelled "if visits were independent". Otherwise
Tango and mid-p lead. Continuous outcomes: the mean difference with its paired-t interval and
the Wilcoxon p; when most differences are zero, the share of pairs that differ goes with it.

``p_adjusted`` (Holm/BH in :mod:`analysis.estimate`) always adjusts the headline p.

>>> entry = {"kind": "binary", "inference": "venue_robust", "net_difference": 0.1,
...          "ci_low": 0.05, "ci_high": 0.15, "p_value": 0.001, "ci_low_cluster": 0.01,
...          "ci_high_cluster": 0.19, "p_cluster": 0.03, "p_adjusted": 0.06}
>>> line = headline(entry)
>>> (line.ci_low, line.p_value, line.method)
(0.01, 0.03, 'venue_robust')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VENUE_ROBUST, INDEPENDENT = "venue_robust", "independent"
METHOD_TEXT = {
    VENUE_ROBUST: "venue-robust interval (CR1, t with G − 1 df) and Obuchowski's clustered "
    "McNemar test",
    INDEPENDENT: "Tango score interval and mid-p McNemar test",
    "paired_t": "paired-t interval; Wilcoxon signed-rank p",
}


@dataclass(frozen=True)
class Headline:
    """The numbers that lead for one entry, and how they were obtained (``method``)."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    method: str  # venue_robust | independent | paired_t

    @property
    def method_text(self) -> str:
        """The method in words (English), for reports and summaries."""
        return METHOD_TEXT[self.method]


def headline_p(entry: Mapping[str, Any]) -> float | None:
    """The p-value the headline uses (and that Holm/BH adjust)."""
    if entry.get("kind") == "binary" and entry.get("inference") == VENUE_ROBUST:
        value = entry.get("p_cluster")
    else:
        value = entry.get("p_value")
    return None if value is None else float(value)


def headline(entry: Mapping[str, Any]) -> Headline:
    """The headline of one results.json estimate (see the module docstring)."""
    if entry.get("kind") == "binary":
        robust = entry.get("inference") == VENUE_ROBUST
        low_key, high_key = ("ci_low_cluster", "ci_high_cluster") if robust else ("ci_low",
                                                                                 "ci_high")  # fmt: skip
        return Headline(entry.get("net_difference"), entry.get(low_key), entry.get(high_key),
                        headline_p(entry), entry.get("p_adjusted"),
                        VENUE_ROBUST if robust else INDEPENDENT)  # fmt: skip
    return Headline(entry.get("mean_difference"), entry.get("ci_low"), entry.get("ci_high"),
                    headline_p(entry), entry.get("p_adjusted"), "paired_t")  # fmt: skip
