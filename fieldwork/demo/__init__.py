"""A realistic demo: nightlife and housing studies in The Hague, with simulated fieldwork, made
through the same services, validation, rules and audit trail as real use.

- **DEMO-NL**, doors of 52 venues (clubs, bars, cafés, other) on five past Friday and Saturday
  nights, three visits each, and tonight's tests open for logging; it is the third wave of a
  series: **DEMO-NL-W1** (two years earlier) and **DEMO-NL-W2** (a year earlier, a smaller
  planted effect) visited the same venues, are closed and have published releases, so the
  public trend shows two waves and the change between them;
- **DEMO-WON**, 63 rental adverts contacted on the eight weekdays before today;
- summary bundles (:mod:`fieldwork.demo.summaries`) of The Hague's three nightlife waves and of a
  fictional second city, shipped in ``notebooks/data/`` for ``mysteryguest compare`` and notebook
  04 (``python -m fieldwork.demo.summaries`` writes them again).

Everything is drawn from ``seed`` (the accounts' password aside), so two builds with the same
seed and the same ``today`` hold the same venues, schedule and reports. The planted effects and
the people are in :mod:`fieldwork.demo.data`, what happens at each visit in
:mod:`fieldwork.demo.visits`, the studies' life through the services in
:mod:`fieldwork.demo.studies`, and the build in :mod:`fieldwork.demo.builder`.
"""

from fieldwork.demo.builder import DemoError
from fieldwork.demo.builder import DemoResult
from fieldwork.demo.builder import build_demo
from fieldwork.demo.data import HOUSING_CODE
from fieldwork.demo.data import NIGHTLIFE_CODE
from fieldwork.demo.data import STUDY_CODES

__all__ = ["HOUSING_CODE", "NIGHTLIFE_CODE", "STUDY_CODES", "DemoError", "DemoResult",
           "build_demo"]  # fmt: skip
