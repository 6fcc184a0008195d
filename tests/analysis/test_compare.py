"""Cities and waves compared (docs/methods.md §7): vectors against an implementation from the
definitions at 1e-8, the refusal to pool different meanings, and the round trip from a bundle."""

from __future__ import annotations

import hashlib
import math

import pytest
from scipy import stats

import forms
from analysis.compare import compare
from analysis.result import analyze
from analysis.simulate import simulate_bundle
from analysis.summary import SummaryError
from analysis.summary import TargetCounts
from analysis.summary import build_summary
from analysis.summary import summary_from_bundle

TOLERANCE = 1e-8
NIGHTLIFE = forms.get_instrument("nightlife-door")

# (pseudonym, type, (a, b, c, d)) per study. Den Haag's waves share v01–v05 (partial overlap);
# Utrecht visits only clubs; Delft's lines have fewer than 5 targets.
HAGUE_1 = [
    ("v01", "club", (3, 2, 0, 1)),
    ("v02", "club", (1, 3, 1, 0)),
    ("v03", "bar", (4, 1, 1, 0)),
    ("v04", "bar", (2, 0, 1, 2)),
    ("v05", "club", (0, 2, 0, 1)),
    ("v06", "bar", (5, 1, 0, 0)),
    ("v07", "club", (2, 1, 2, 1)),
    ("v08", "bar", (3, 0, 0, 2)),
]
HAGUE_2 = [
    ("v01", "club", (4, 1, 0, 1)),
    ("v02", "club", (2, 1, 1, 1)),
    ("v03", "bar", (3, 1, 0, 1)),
    ("v04", "bar", (4, 0, 1, 0)),
    ("v05", "club", (1, 1, 1, 0)),
    ("v09", "club", (2, 2, 0, 0)),
    ("v10", "bar", (3, 0, 1, 1)),
    ("v11", "club", (1, 1, 0, 2)),
    ("v12", "bar", (2, 1, 1, 1)),
]
UTRECHT = [(f"u{i:02d}", "club", (2 + i % 3, i % 4, (i + 1) % 3, 1)) for i in range(1, 13)]
DELFT = [
    ("d01", "club", (2, 2, 0, 0)),
    ("d02", "club", (1, 1, 1, 1)),
    ("d03", "bar", (3, 1, 0, 0)),
    ("d04", "bar", (2, 0, 1, 1)),
    ("d05", "club", (1, 2, 0, 1)),
]
STUDIES = {  # (city, code, wave, period): targets
    ("Den Haag", "DH-2025", 1, ("2025-03", "2025-05")): HAGUE_1,
    ("Den Haag", "DH-2026", 2, ("2026-03", "2026-05")): HAGUE_2,
    ("Utrecht", "UT-2026", 1, ("2026-02", "2026-04")): UTRECHT,
    ("Delft", "DE-2026", 1, ("2026-04", "2026-04")): DELFT,
}  # fmt: skip


def _hex(name: str, city: str) -> str:
    """A valid pseudonym per (city, name): cities never share one."""
    return hashlib.sha256(f"{city}/{name}".encode()).hexdigest()[:20]


def summaries(studies=STUDIES, instrument=NIGHTLIFE) -> list[dict]:
    return [build_summary(
        city=city, instrument=instrument, period={"from": period[0], "to": period[1]},
        study={"code": code, "title": code, "domain": instrument.domain, "wave": wave},
        targets=[TargetCounts(_hex(name, city), kind, None, {"admitted": list(cells)})
                 for name, kind, cells in targets], outcomes=["admitted"],
    ) for (city, code, wave, period), targets in studies.items()]  # fmt: skip


# ---- docs/methods.md §6–§7 written out from the definitions (plain Python, no analysis code) ----


def clusters(studies, keep):
    """{(city, target): [d, n]} summed over the chosen studies, for targets passing `keep`."""
    found: dict = {}
    for (city, *_), targets in studies:
        for name, kind, (a, b, c, d) in targets:
            if keep(kind):
                cell = found.setdefault((city, name), [0, 0])
                cell[0] += b - c
                cell[1] += a + b + c + d
    return found


def line(found, level=0.95):
    g = len(found)
    n = sum(m for _, m in found.values())
    net = sum(d for d, _ in found.values()) / n
    variance = g / (g - 1) * sum((d - net * m) ** 2 for d, m in found.values()) / n**2
    if g < 5:
        return {"n_pairs": n, "n_targets": g, "net_difference": net, "ci_low_cluster": None,
                "ci_high_cluster": None, "p_cluster": None, "variance_cluster": variance}  # fmt: skip
    half = stats.t.ppf(0.5 + level / 2, g - 1) * math.sqrt(variance)
    squares = sum(d * d for d, _ in found.values())
    chi2 = (g - 1) / g * sum(d for d, _ in found.values()) ** 2 / squares
    return {"n_pairs": n, "n_targets": g, "net_difference": net,
            "ci_low_cluster": max(-1, net - half), "ci_high_cluster": min(1, net + half),
            "p_cluster": stats.chi2.sf(chi2, 1), "variance_cluster": variance}  # fmt: skip


def change(first, second, keep, level=0.95):
    one, two = clusters([first], keep), clusters([second], keep)
    n1, n2 = sum(m for _, m in one.values()), sum(m for _, m in two.values())
    net1, net2 = sum(d for d, _ in one.values()) / n1, sum(d for d, _ in two.values()) / n2
    targets = set(one) | set(two)
    e = [((two.get(v, (0, 0))[0] - net2 * two.get(v, (0, 0))[1]) / n2)
         - ((one.get(v, (0, 0))[0] - net1 * one.get(v, (0, 0))[1]) / n1) for v in targets]  # fmt: skip
    g = len(targets)
    variance = g / (g - 1) * sum(x * x for x in e)
    half = stats.t.ppf(0.5 + level / 2, g - 1) * math.sqrt(variance)
    delta = net2 - net1
    return {"difference": delta, "ci_low": delta - half, "ci_high": delta + half,
            "p_value": 2 * stats.t.sf(abs(delta) / math.sqrt(variance), g - 1),
            "n_targets": g, "n_targets_in_both": len(set(one) & set(two))}  # fmt: skip


def close(ours, expected):
    for key, value in expected.items():
        if value is None or isinstance(value, int):
            assert ours[key] == value, key
        else:
            assert ours[key] == pytest.approx(value, rel=TOLERANCE, abs=TOLERANCE), key


ALL = lambda kind: True  # noqa: E731
ITEMS = list(STUDIES.items())


@pytest.fixture(scope="module")
def result():
    return compare(summaries())


@pytest.mark.parametrize("kind", [None, "club", "bar"])
def test_pooled_line_is_over_city_target_clusters(result, kind) -> None:
    keep = ALL if kind is None else (lambda k: k == kind)
    expected = line(clusters(ITEMS, keep))
    close(result.line("pooled", {"target_type": kind} if kind else None), expected)


@pytest.mark.parametrize("kind", [None, "club", "bar"])
def test_den_haag_pools_its_two_waves_with_shared_targets_as_one_cluster(result, kind) -> None:
    keep = ALL if kind is None else (lambda k: k == kind)
    expected = line(clusters(ITEMS[:2], keep))
    ours = result.line("by_city", {"target_type": kind} if kind else None, city="Den Haag")
    close(ours, expected)
    assert ours["n_targets"] == len({n for n, k, _ in HAGUE_1 + HAGUE_2 if keep(k)})


@pytest.mark.parametrize("kind", [None, "club", "bar"])
def test_change_between_two_waves_with_partial_overlap(result, kind) -> None:
    keep = ALL if kind is None else (lambda k: k == kind)
    ours = result.line("change", {"target_type": kind} if kind else None, city="Den Haag")
    assert (ours["from"], ours["to"]) == ("DH-2025", "DH-2026")
    expected = change(ITEMS[0], ITEMS[1], keep)
    assert expected["n_targets"] >= 5
    close(ours, expected)
    assert 0 < ours["n_targets_in_both"] < ours["n_targets"]  # partial overlap


def test_change_over_fewer_than_five_targets_has_no_interval() -> None:
    small = {("Delft", "DE-2025", 1, ("2025-04", "2025-04")): DELFT[:3],
             ("Delft", "DE-2026", 2, ("2026-04", "2026-04")): DELFT[1:4]}  # fmt: skip
    entry = compare(summaries(small)).line("change")
    assert entry["n_targets"] == 4 and entry["n_targets_in_both"] == 2
    expected = change(*small.items(), ALL)
    assert entry["difference"] == pytest.approx(expected["difference"], abs=TOLERANCE)
    assert entry["ci_low"] is None and entry["p_value"] is None
    assert "fewer than 5 targets" in entry["note"]


def test_a_city_with_a_single_target_type(result) -> None:
    close(result.line("by_city", city="Utrecht"), line(clusters([ITEMS[2]], ALL)))
    close(result.line("by_city", {"target_type": "club"}, city="Utrecht"),
          line(clusters([ITEMS[2]], ALL)))  # fmt: skip
    bar = result.line("by_city", {"target_type": "bar"}, city="Utrecht")
    assert bar["n_pairs"] == 0 and bar["net_difference"] is None and "no pairs" in bar["note"]


def test_a_city_whose_lines_have_fewer_than_five_targets(result) -> None:
    for kind in ("club", "bar"):
        entry = result.line("by_city", {"target_type": kind}, city="Delft")
        assert entry["n_targets"] < 5
        assert entry["ci_low_cluster"] is None and entry["p_cluster"] is None
        assert "fewer than 5 targets" in entry["note"]
    close(result.line("by_city", city="Delft"), line(clusters([ITEMS[3]], ALL)))  # 5 targets


@pytest.mark.parametrize("kind", [None, "club"])
def test_heterogeneity_between_cities(result, kind) -> None:
    keep = ALL if kind is None else (lambda k: k == kind)
    cities = {"Den Haag": ITEMS[:2], "Utrecht": [ITEMS[2]], "Delft": [ITEMS[3]]}
    lines = {city: line(clusters(items, keep)) for city, items in cities.items()}
    used = {city: e for city, e in lines.items() if e["n_targets"] >= 5}
    weights = {city: 1 / e["variance_cluster"] for city, e in used.items()}
    mean = sum(weights[c] * used[c]["net_difference"] for c in used) / sum(weights.values())
    q = sum(weights[c] * (used[c]["net_difference"] - mean) ** 2 for c in used)
    df = len(used) - 1
    ours = next(h for h in result.heterogeneity if h["stratum"] == ({"target_type": kind}
                                                                    if kind else {}))  # fmt: skip
    close(ours, {"q": q, "df": df, "p_value": stats.chi2.sf(q, df),
                 "i_squared": max(0.0, (q - df) / q), "weighted_mean": mean})  # fmt: skip
    assert sorted(ours["cities"]) == sorted(used)
    if kind == "club":  # Delft has 3 club targets: left out, and said so
        assert "Delft" not in ours["cities"] and "Delft" in ours["note"]


def test_by_wave_lines_and_json(result) -> None:
    close(result.line("by_wave", study="DH-2026"), line(clusters([ITEMS[1]], ALL)))
    data = result.to_dict()
    assert set(data) >= {"pooled", "by_city", "heterogeneity", "change"}
    for entry in data["pooled"] + data["by_city"]:
        assert {"n_pairs", "n_targets", "net_difference", "ci_low_cluster", "ci_high_cluster",
                "p_cluster"} <= set(entry)  # fmt: skip
    for entry in data["change"]:
        assert {"from", "to", "difference", "ci_low", "ci_high", "p_value"} <= set(entry)


def test_refuses_to_pool_different_meanings_unless_declared_equivalent() -> None:
    text = NIGHTLIFE.text.replace("version = 1", "version = 2", 1)
    version_two = forms.parse_instrument(text)
    items = dict(ITEMS[:1])
    mixed = summaries(items) + summaries({("Utrecht", "UT-2026", 1, ("2026-02", "2026-04")):
                                          UTRECHT}, version_two)  # fmt: skip
    with pytest.raises(
        SummaryError,
        match=r"outcome 'admitted' does not mean the same.*"
        r"nightlife-door@1 \(Den Haag DH-2025\).*nightlife-door@2",
    ):
        compare(mixed)
    declared = forms.parse_instrument(text.replace(
        'outcome = { kind = "binary", favourable = ["yes"], primary = true }',
        'outcome = { kind = "binary", favourable = ["yes"], primary = true, '
        'equivalent = ["nightlife-door@1"] }'))  # fmt: skip
    pooled = summaries(items) + summaries({("Utrecht", "UT-2026", 1, ("2026-02", "2026-04")):
                                           UTRECHT}, declared)  # fmt: skip
    assert compare(pooled).line("pooled")["n_targets"] == len(HAGUE_1) + len(UTRECHT)


def test_other_refusals_name_the_problem() -> None:
    both = summaries()
    with pytest.raises(SummaryError, match="study 'DH-2025' of Den Haag is also in"):
        compare([both[0], both[0]])
    with pytest.raises(SummaryError, match="no outcome 'id_asked'"):
        compare(both, outcome="id_asked")
    with pytest.raises(SummaryError, match="no summary bundles"):
        compare([])


@pytest.mark.parametrize("icc", [0.0, 0.1])
def test_round_trip_bundle_summary_compare_equals_analyze(tmp_path, icc) -> None:
    """export bundle → summary → compare: the wave's lines are analyze's venue-robust lines."""
    simulate_bundle(tmp_path / "b", pairs=400, seed=17, targets=45, icc=icc)
    summary = summary_from_bundle(tmp_path / "b", city="Den Haag", secret="x" * 32, wave=1)
    compared, analysed = compare([summary]), analyze(tmp_path / "b")
    for kind in (None, "club", "bar", "lounge"):
        stratum = {"target_type": kind} if kind else None
        ours, theirs = compared.line("by_wave", stratum), analysed.estimate("admitted", stratum)
        for key in ("n_pairs", "n_targets", "net_difference", "ci_low_cluster",
                    "ci_high_cluster", "p_cluster", "design_effect"):  # fmt: skip
            assert ours[key] == pytest.approx(theirs[key], rel=1e-12, abs=1e-12), (kind, key)
        assert compared.line("by_city", stratum)["p_cluster"] == ours["p_cluster"]
