"""`mysteryguest simulate --summary` and `mysteryguest compare FILE... --out DIR`."""

from __future__ import annotations

import json
import string
import xml.etree.ElementTree as ET
from html import unescape

import pandas as pd

from analysis.compare import CSV_COLUMNS
from analysis.compare_texts import TEXTS


def test_simulate_summary_then_compare(tmp_path, run_cli) -> None:
    result = run_cli("simulate", "--summary", "--out", tmp_path / "sums", "--pairs", "300",
                     "--seed", "4", "--cities", "2", "--waves", "3")  # fmt: skip
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "sums").glob("*.json"))
    assert [f.name for f in files] == [f"{city}-wave{w}.json" for city in ("amsterdam", "den-haag")
                                       for w in (1, 2, 3)]  # fmt: skip
    again = run_cli("simulate", "--summary", "--out", tmp_path / "again", "--pairs", "300",
                    "--seed", "4", "--cities", "2", "--waves", "3")  # fmt: skip
    assert again.exit_code == 0
    assert files[0].read_text() == (tmp_path / "again" / files[0].name).read_text()

    out = tmp_path / "out"
    compared = run_cli("compare", *files, "--out", out)
    assert compared.exit_code == 0, compared.output
    assert "6 studies of 2 cities" in compared.output and "pooled net measure" in compared.output
    assert sorted(p.name for p in out.iterdir()) == ["comparison.csv", "comparison.html",
                                                     "comparison.json", "comparison.svg"]  # fmt: skip
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert data["format"] == "mysteryguest-comparison" and data["outcome"] == "admitted"
    assert len(data["change"]) == 2 * 2 * 4  # 2 cities × 2 steps × (all + 3 types)
    frame = pd.read_csv(out / "comparison.csv")
    assert tuple(frame.columns) == CSV_COLUMNS
    assert set(frame["section"]) == {"pooled", "by_city", "by_wave", "change", "heterogeneity"}
    svg = ET.parse(out / "comparison.svg").getroot()
    assert svg.find("{http://www.w3.org/2000/svg}title") is not None
    html = unescape((out / "comparison.html").read_text(encoding="utf-8"))
    assert '<section lang="nl" id="nl">' in html and '<section lang="en" id="en">' in html
    assert TEXTS["nl"]["by_city"] in html and TEXTS["en"]["by_city"] in html
    assert "Cochrans Q" in html and "Cochran's Q" in html
    assert "migratieachtergrond beter af" in html and "migration background worse off" in html


def test_compare_errors_are_one_line_and_write_nothing(tmp_path, run_cli) -> None:
    foreign = tmp_path / "results.json"
    foreign.write_text('{"format": "mysteryguest-results", "version": 1}', encoding="utf-8")
    result = run_cli("compare", foreign, "--out", tmp_path / "out")
    assert result.exit_code != 0
    assert "not a mysteryguest summary bundle (format is 'mysteryguest-results'" in result.output
    assert not (tmp_path / "out").exists()
    bad = run_cli("compare", foreign, "--out", tmp_path / "out", "--confidence", "95")
    assert bad.exit_code != 0 and "--confidence" in bad.output


def test_both_languages_have_the_same_words_and_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert set(TEXTS["nl"]) == set(TEXTS["en"])
    for key, text in TEXTS["en"].items():
        assert fields(text) == fields(TEXTS["nl"][key]), key
