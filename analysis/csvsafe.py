"""Spreadsheet-safe CSV: the one writer for every CSV a person may open in Excel or LibreOffice.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (a tab or
carriage return in front can hide the sign), so a venue called ``=HYPERLINK("http://…","Open")``
would become a live link in the city's copy of the public table. Following OWASP's guidance on
CSV injection, such a text cell is written with a leading apostrophe, which spreadsheets take as
"this is text" and do not show. Numbers stay numbers: ``-3``, ``+1.5`` and ``-2.5e-3`` (and every
``int`` or ``float``) are written as they are.

The apostrophe is reversible: a text that itself starts with an apostrophe gets one more, so
:func:`restore_cell` gives back exactly what was written (the bundle readers use it). The writer
also turns a carriage return inside a cell into a line break (``\n``): Python's ``csv`` does not
quote a lone ``\r`` when lines end in ``\n``, and the file would no longer parse.

>>> safe_cell('=HYPERLINK("http://evil.example","x")')
'\\'=HYPERLINK("http://evil.example","x")'
>>> safe_cell("-3"), safe_cell(-3), safe_cell("Centrum"), safe_cell("-oost")
('-3', -3, 'Centrum', "'-oost")
>>> restore_cell(safe_cell("'quoted")) == "'quoted"
True
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (a plain number is not one)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it without running it (see the module docstring)."""
    if isinstance(value, str) and (is_formula_like(value) or value.startswith("'")):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def restore_cell(text: str) -> str:
    """The value :func:`safe_cell` was given, from what it wrote."""
    if text.startswith("'") and (text[1:].startswith("'") or is_formula_like(text[1:])):
        return text[1:]
    return text


def _one_kind_of_line_break(value: Any) -> Any:
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, stream: Any, **options: Any) -> None:
        options.setdefault("lineterminator", "\n")
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([_one_kind_of_line_break(cell) for cell in safe_row(row)])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: Any, **options: Any) -> SafeWriter:
    """A spreadsheet-safe CSV writer on ``stream`` (``lineterminator`` defaults to ``\\n``)."""
    return SafeWriter(stream, **options)
