"""Matched-pair statistics for mystery-guest studies (never imports Flask).

The main entry points are importable from here; each is loaded on first use, so that
``import analysis`` stays cheap (the command line imports it before it knows the command).

>>> import analysis
>>> analysis.analyze.__module__
'analysis.result'
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "analyze": "analysis.result",
    "AnalysisResult": "analysis.result",
    "read_bundle": "analysis.bundle",
    "BundleError": "analysis.bundle",
    "simulate_bundle": "analysis.simulate",
    "sample_size": "analysis.power",
    "paired_binary": "analysis.binary",
    "paired_continuous": "analysis.continuous",
    "venue_robust": "analysis.clustered",
    "read_summary": "analysis.summary",
    "write_summary": "analysis.summary",
    "build_summary": "analysis.summary",
    "SummaryError": "analysis.summary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
