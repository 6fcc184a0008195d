"""The export bundle (docs/design.md "Export bundle"): its format, reader and writer.

:mod:`analysis.bundle.schema` defines the format once (files, columns and their types, outcome
column names, the manifest); :mod:`~analysis.bundle.read` turns a bundle folder into a tidy frame;
:mod:`~analysis.bundle.write` writes one. The app's export, the analysis and the simulator use
these and nothing else.
"""

from analysis.bundle.read import (
    BASE_COLUMNS,
    Bundle,
    BundleError,
    read_bundle,
    read_instrument,
    read_manifest,
    read_pairs,
)
from analysis.bundle.schema import (
    FILES,
    FORMAT,
    PAIR_COLUMNS,
    SIDES,
    VERSION,
    VISIT_COLUMNS,
    bundle_questions,
    condition,
    condition_column,
    csv_value,
    manifest,
    outcome_column,
    outcome_columns,
    parse_outcome_column,
)
from analysis.bundle.write import write_bundle

__all__ = [
    "BASE_COLUMNS",
    "FILES",
    "FORMAT",
    "PAIR_COLUMNS",
    "SIDES",
    "VERSION",
    "VISIT_COLUMNS",
    "Bundle",
    "BundleError",
    "bundle_questions",
    "condition",
    "condition_column",
    "csv_value",
    "manifest",
    "outcome_column",
    "outcome_columns",
    "parse_outcome_column",
    "read_bundle",
    "read_instrument",
    "read_manifest",
    "read_pairs",
    "write_bundle",
]
