"""The README and docs/ link only to files the repository has (and to headings that exist), and
neither they, the pages nor the notebooks send a reader to the developers' notes outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
OUTSIDE_NOTES = re.compile(r"\b(DESIGN|METHODS|STYLE)\.md\b")


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")}  # fmt: skip


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_point_at_files_and_headings_that_exist(document: Path):
    text = document.read_text(encoding="utf-8")
    links = LINK.findall(text)
    assert links, f"{document.name} has no links: the pattern is broken"
    for link in links:
        if re.match(r"^[a-z]+:", link):  # http(s), mailto: not ours to check here
            continue
        target, _, anchor = link.partition("#")
        path = (document.parent / target).resolve() if target else document
        assert path.exists(), f"{document.name} links to {link}, which is not in the repository"
        if anchor:
            assert anchor in anchors(path), f"{document.name}: no heading #{anchor} in {target}"


def test_no_reader_is_sent_to_the_developers_notes():
    places = [*DOCUMENTS, *(ROOT / "notebooks").glob("*.ipynb"),
              *(ROOT / "fieldwork" / "templates").rglob("*.html")]  # fmt: skip
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in places
        for match in OUTSIDE_NOTES.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_readme_pictures_come_from_the_scripts():
    script = "".join(
        (ROOT / "scripts" / name).read_text(encoding="utf-8")
        for name in ("readme_screenshots.py", "release_screenshots.py", "housing_screenshots.py")
    )
    pictures = re.findall(r"\]\((docs/[\w-]+\.png)\)", (ROOT / "README.md").read_text("utf-8"))
    assert pictures
    for picture in pictures:
        assert Path(picture).name in script, f"{picture} is not made by a screenshot script"
