"""The export bundle as one zip file, for a download from the study page.

The same bundle as ``mysteryguest export`` writes (:func:`export_study`, audited as
``study.export`` with the person who downloaded it), in a folder of its own inside the zip, so
that unpacking it gives a folder ``mysteryguest analyze`` reads as it is.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from fieldwork import clock
from fieldwork.models import Study
from fieldwork.models import User
from fieldwork.services.export.bundle import ExportSummary
from fieldwork.services.export.bundle import export_study


@dataclass(frozen=True)
class BundleZip:
    filename: str
    content: bytes
    summary: ExportSummary


def bundle_zip(*, session: Session, study: Study, user: User) -> BundleZip:
    """Export ``study`` and pack the bundle; raises ExportError as the export does."""
    stem = f"{study.code}-bundle-{clock.now():%Y%m%d-%H%M%S}"
    with tempfile.TemporaryDirectory(prefix="mysteryguest-export-") as staging:
        folder = Path(staging) / stem
        summary = export_study(session=session, study_code=study.code, folder=folder, user=user)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"{stem}/{path.name}")
    return BundleZip(f"{stem}.zip", buffer.getvalue(), summary)
