"""The export bundle (docs/design.md "Export bundle"): its format, reader and writer.

:mod:`analysis.bundle.schema` defines the format once (files, columns and their types, outcome
column names, the manifest); :mod:`~analysis.bundle.read` turns a bundle folder into a tidy frame;
:mod:`~analysis.bundle.write` writes one. The app's export, the analysis and the simulator use
these and nothing else. The package gives the reader and the writer; the format's names
(columns, outcome column names, the manifest) are imported from :mod:`analysis.bundle.schema`.
"""

from analysis.bundle.read import BASE_COLUMNS
from analysis.bundle.read import Bundle
from analysis.bundle.read import BundleError
from analysis.bundle.read import read_bundle
from analysis.bundle.read import read_instrument
from analysis.bundle.read import read_manifest
from analysis.bundle.read import read_pairs
from analysis.bundle.write import write_bundle

__all__ = [
    "BASE_COLUMNS",
    "Bundle",
    "BundleError",
    "read_bundle",
    "read_instrument",
    "read_manifest",
    "read_pairs",
    "write_bundle",
]
