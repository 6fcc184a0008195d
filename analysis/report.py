"""report.html: a self-contained researcher's report (no external requests, figures inline)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

from analysis.figures import outcome_figure
from analysis.headline import headline
from analysis.result import AnalysisResult
from analysis.result import stratum_label

CSS = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.75rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}td{white-space:nowrap}.table-wrap{overflow-x:auto}
th:first-child,td:first-child{text-align:left}thead th{background:#f0f0f0}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.note{color:#555;font-size:.85rem}.convention{background:#f6f8fb;border-left:4px solid #1f4e79;
padding:.5rem 1rem}figure{margin:1rem 0}svg{max-width:100%;height:auto}
"""

REFERENCES = (
    "Tango T (1998). Equivalence test and confidence interval for the difference in proportions "
    "for the paired-sample design. Statistics in Medicine 17:891–908.",
    "Newcombe RG (1998). Improved confidence intervals for the difference between binomial "
    "proportions based on paired data. Statistics in Medicine 17:2635–2650.",
    "Fagerland MW, Lydersen S, Laake P (2013). The McNemar test for binary matched-pairs data: "
    "mid-p and asymptotic are better than exact conditional. BMC Medical Research Methodology "
    "13:91.",
    "Hodges JL, Lehmann EL (1963). Estimates of location based on rank tests. Annals of "
    "Mathematical Statistics 34:598–611.",
    "Wilcoxon F (1945). Individual comparisons by ranking methods. Biometrics Bulletin 1:80–83.",
    "Connor RJ (1987). Sample size for testing differences in proportions for the paired-sample "
    "design. Biometrics 43:207–211.",
    "National Research Council (2002). Measuring Housing Discrimination in a National Study. "
    "Washington, DC: The National Academies Press (ch. 5: gross and net measures).",
    "Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian "
    "Journal of Statistics 6:65–70.",
    "Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. Journal of the Royal "
    "Statistical Society B 57:289–300.",
    "Breslow NE, Day NE (1980). Statistical Methods in Cancer Research, vol. I, ch. 7 "
    "(conditional logistic regression).",
    "Obuchowski NA (1998). On the comparison of correlated proportions for clustered data. "
    "Statistics in Medicine 17:1495–1507.",
    "Yang Z, Sun X, Hardin JW (2010). A note on the tests for clustered matched-pair binary "
    "data. Biometrical Journal 52:638–652.",
    "Cameron AC, Miller DL (2015). A practitioner's guide to cluster-robust inference. Journal "
    "of Human Resources 50:317–372.",
)
DESIGN_EFFECT_SENTENCE = (
    "The design effect is the variance of the net measure that allows for several visits to the "
    "same target, divided by its variance if every pair were independent: a design effect of 2 "
    "means the study carries as much information as half as many independent pairs."
)
INFERENCE_TEXT = {"venue_robust": "venue-robust", "independent": "independent pairs"}


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _num(value: Any, decimals: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not math.isfinite(value):
        return "–"
    return f"{value:.{decimals}f}"


def _p(value: Any) -> str:
    if value is None:
        return "–"
    return "< 0.0001" if value < 1e-4 else f"{value:.4f}"


def _interval(low: Any, high: Any, fmt: Any = _pct) -> str:
    if low is None or high is None:
        return "–"
    return f"{fmt(low)} to {fmt(high)}"


def _table(caption: str, header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (f'<div class="table-wrap"><table><caption>{escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")  # fmt: skip


def _few(entry: Mapping[str, Any], method: str) -> str:
    """A mark next to a venue-robust interval that rests on fewer than 20 targets."""
    targets = entry.get("n_targets")
    if method != "venue_robust" or targets is None or targets >= 20:
        return ""
    return " (fewer than 5 targets)" if targets < 5 else " (few targets: approximate)"


def _binary_rows(entries: list[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for e in entries:
        line = headline(e)
        rows.append([
            stratum_label(e["stratum"]) if e["sample"] == "test" else "sham pairs",
            str(e["n_pairs"]), str(e.get("n_targets", "–")), str(e["both_favourable"]),
            str(e["control_only_favourable"]), str(e["protected_only_favourable"]),
            str(e["neither_favourable"]),
            _pct(e["gross_adverse_protected"]), _pct(e["gross_adverse_control"]),
            _pct(e["net_difference"]), _interval(line.ci_low, line.ci_high) + _few(e, line.method),
            _p(line.p_value),
            _p(e.get("p_adjusted")), INFERENCE_TEXT.get(line.method, line.method),
            _num(e.get("design_effect")), _interval(e["ci_low"], e["ci_high"]), _p(e["p_value"]),
            _interval(e["newcombe_ci_low"], e["newcombe_ci_high"]),
            f"{_num(e['odds_ratio'])} ({_interval(e['odds_ratio_ci_low'], e['odds_ratio_ci_high'], _num)})",
        ])  # fmt: skip
    return rows


def _continuous_rows(entries: list[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            stratum_label(e["stratum"]) if e["sample"] == "test" else "sham pairs",
            str(e["n_pairs"]), _num(e["mean_difference"]), _interval(e["ci_low"], e["ci_high"], _num),
            _pct(e.get("share_nonzero")),
            _interval(e.get("share_nonzero_ci_low"), e.get("share_nonzero_ci_high")),
            _num(e["hodges_lehmann"]), _interval(e["hl_ci_low"], e["hl_ci_high"], _num),
            _p(e["p_value"]), _p(e["ttest_p"]), _p(e.get("p_adjusted")),
        ]
        for e in entries
    ]  # fmt: skip


def _condition(entries: list[Mapping[str, Any]]) -> str:
    """The condition of a continuous outcome and the pairs it leaves out, by reason."""
    overall = next((e for e in entries if e["sample"] == "test" and not e["stratum"]), None)
    if overall is None or not overall.get("condition"):
        return ""
    rule, excluded = overall["condition"], overall["excluded_by_condition"]
    condition = f"{rule['question']} = {' or '.join(rule['values'])}"
    rows = [
        ["only the protected team did not", str(excluded["protected_not_met"])],
        ["only the control team did not", str(excluded["control_not_met"])],
        ["neither team did", str(excluded["both_not_met"])],
        ["not known (answer missing)", str(excluded["unknown"])],
    ]
    return (f'<p>Compared only where <strong>both teams met {escape(condition)}</strong> (the '
            "value exists only then): a conditional comparison, not missing data.</p>"
            + _table(f"All valid pairs left out of this comparison, by reason (met {condition}?)",
                     ["reason", "pairs"], rows))  # fmt: skip


def _notes(entries: list[Mapping[str, Any]]) -> str:
    items = [f"<li>{escape(stratum_label(e['stratum']))}"
             f"{' (sham)' if e['sample'] == 'sham' else ''}: {escape(str(e['note']))}</li>"
             for e in entries if e.get("note")]  # fmt: skip
    return f'<ul class="note">{"".join(items)}</ul>' if items else ""


def _outcome_section(result: AnalysisResult, outcome: str, labels: Mapping[str, str]) -> str:
    entries = [e for e in result.estimates if e["outcome"] == outcome]
    entries.sort(key=lambda e: e["sample"] == "sham")  # tests first, sham pairs last
    kind = entries[0]["kind"]
    label = labels.get(outcome, "")
    level = f"{result.confidence:.0%}"
    title = f"{outcome}" + (f" — {label}" if label else "")
    primary = " (primary outcome)" if entries[0]["primary"] else " (secondary outcome)"
    if kind == "binary":
        header = ["stratum", "pairs", "targets", "a both", "b control only", "c protected only",
                  "d neither", "gross adverse P (b/n, %)", "reverse (c/n, %)",
                  "net (b − c)/n, pp", f"{level} CI", "p", "p adjusted", "CI and p for",
                  "design effect", f"{level} CI if visits were independent (Tango)",
                  "p if independent (mid-p McNemar)", f"{level} CI Newcombe",
                  "b/c (CI, mid-p)"]  # fmt: skip
        table = _table(f"{outcome}: paired table and net measure per stratum", header,
                       _binary_rows(entries))  # fmt: skip
    else:
        header = ["stratum", "pairs", "mean difference (P − R)", f"{level} CI (paired t)",
                  "pairs with any difference, %", f"{level} CI (Wilson)",
                  "Hodges–Lehmann of the non-zero differences", f"{level} CI (HL)",
                  "p (Wilcoxon)", "p (t-test)", "p adjusted"]  # fmt: skip
        table = _table(f"{outcome}: paired differences protected − control per stratum",
                       header, _continuous_rows(entries)) + _condition(entries)  # fmt: skip
    figure = outcome_figure(result, outcome, question_label=label, standalone=False)
    return (
        f'<section id="outcome-{escape(outcome)}"><h2>{escape(title)}{primary}</h2>'
        f'<figure>{figure}<figcaption class="note">Every point is drawn with its {level} '
        "confidence interval.</figcaption></figure>"
        f"{table}{_notes(entries)}</section>"
    )


def _quality(result: AnalysisResult) -> str:
    quality = result.data_quality
    rows = [
        ["tests in the bundle", str(quality["n_tests"])],
        ["valid", str(quality["n_valid"])],
        ["of which sham pairs (analysed apart)", str(quality["n_sham"])],
        ["valid tests analysed", str(quality["n_valid_tests"])],
        ["invalid (excluded)", str(quality["n_invalid"])],
    ]
    rows += [[f"invalid: {reason}", str(count)]
             for reason, count in quality["invalid_by_reason"].items()]  # fmt: skip
    rows += [[f"invalid, target type {kind}", str(count)]
             for kind, count in quality["invalid_by_target_type"].items()]  # fmt: skip
    incomplete = [[f"{item['outcome']}, {stratum_label(item['stratum'])}", str(item["n_pairs"])]
                  for item in quality["incomplete"]]  # fmt: skip
    text = _table("Tests by status", ["", "count"], rows)
    if incomplete:
        text += _table("Pairs with an answer missing on one side: excluded from that outcome "
                       "(yes/no outcomes: bounded, see the notes)",
                       ["outcome, stratum", "pairs"], incomplete)  # fmt: skip
    return f'<section id="data-quality"><h2>Data quality</h2>{text}</section>'


def _models(result: AnalysisResult) -> str:
    parts = []
    for model in result.models:
        rows = []
        for term in model["terms"]:
            coef = term["coef"]
            ratio = _num(term.get("odds_ratio"), 3)
            rows.append([term["term"], _num(coef, 4), ratio, _num(term["se"], 4),
                         _num(term["se_cluster_target"], 4), _p(term.get("p_cluster"))])  # fmt: skip
        caption = (f"{model['outcome']}: conditional logit, {model['n_pairs']} pairs, "
                   f"{model['n_discordant']} discordant, {model.get('n_clusters', '–')} targets")  # fmt: skip
        parts.append(_table(caption, ["term", "β", "odds ratio b/c = e^−β", "SE",
                                      "SE (venue clusters, CR1)", "p (venue clusters, t(G − 1))"],
                            rows))  # fmt: skip
        if model.get("heterogeneity_lr") is not None:
            parts.append(
                f"<p>Equal effect in every target type: likelihood-ratio χ² = "
                f"{model['heterogeneity_lr']:.3f}, df {model['heterogeneity_df']}, "
                f"p = {_p(model['heterogeneity_p'])}.</p>"
            )
        if model.get("note"):
            parts.append(f'<p class="note">{escape(model["note"])}</p>')
    return ('<section id="models"><h2>Models</h2><p>β for <code>protected:&lt;type&gt;</code> is '
            "the log odds that the protected team is the one treated favourably in a discordant "
            "pair: β &lt; 0 means the protected group is worse off (without order term "
            "β = log(c/b)). The odds ratio is b/c = e<sup>−β</sup>, as everywhere in this report: "
            "above 1 the protected group is worse off. The venue-cluster standard errors carry "
            "the small-sample factor G/(G − 1) (CR1) and their p-values a t distribution with "
            "G − 1 degrees of freedom (G targets); R's <code>clogit(… + cluster(venue))</code> "
            "reports CR0 with a normal reference, smaller by √((G − 1)/G).</p>"
            + "".join(parts) + "</section>")  # fmt: skip


def _methods(result: AnalysisResult) -> str:
    level = f"{result.confidence:.0%}"
    references = "".join(f"<li>{escape(ref)}</li>" for ref in REFERENCES)
    return f"""<section id="methods"><h2>Methods</h2>
<p>The unit of analysis is the pair (one test): a control team and a protected team at the same
target. Only valid tests enter the estimates; invalid tests are counted by reason; sham pairs
(two teams of the same group) are analysed apart as a check of background discordance and never
pooled. A refusal is an outcome, never missing data; a test with an answer missing on one side is
excluded from that outcome, and bounded by counting all such pairs as b, then as c.</p>
<p><strong>Yes/no outcomes.</strong> The paired table has rows for the control team and columns
for the protected team: a both favourable, b only control favourable, c only protected favourable,
d neither. Gross adverse treatment of the protected group is b/n, the reverse c/n, and the net
measure (b − c)/n (National Research Council 2002). If every pair were independent, its {level}
interval would be Tango's (1998) score interval (Newcombe's 1998 method 10 alongside) and the test
of no difference the mid-p McNemar test (Fagerland, Lydersen and Laake 2013).</p>
<p><strong>Targets visited more than once.</strong> Pairs at the same target share its door
policy and staff, so they are not independent. Wherever some target has two or more valid pairs
in a line, that line leads with a venue-robust interval (a ratio-estimator sandwich over targets
with the small-sample factor G/(G − 1) and a t distribution with G − 1 degrees of freedom, G
targets; Cameron and Miller 2015) and Obuchowski's (1998) clustered McNemar test in the form of
Yang, Sun and Hardin (2010); Tango and mid-p stay in the table, labelled "if visits were
independent". {DESIGN_EFFECT_SENTENCE} With fewer than 20 targets the venue-robust interval is
approximate; with fewer than 5 it is not given, nor is the test. Words of significance follow the
test. The ratio b/c has the transformed mid-p binomial interval.</p>
<p><strong>Continuous outcomes</strong> (wait, fee). Differences are protected − control: the mean
with the paired-t interval and the share of pairs with any difference lead; the Hodges–Lehmann
estimate (median of the Walsh averages of the non-zero differences) with its interval from the
signed-rank distribution comes second, since it says nothing about the many pairs that paid or
waited the same. The Wilcoxon signed-rank p follows R's <code>wilcox.test(paired = TRUE)</code>:
zeros dropped, exact below 50 pairs without ties, otherwise the normal approximation with
continuity correction. An outcome that exists only under a condition (a fee only for a team let
in) is compared where both teams met it, and the pairs left out are counted by reason.</p>
<p><strong>Several target types.</strong> Within an outcome, p-values across target types are
adjusted by Holm's procedure; the overall p-values of the secondary outcomes together by
Benjamini–Hochberg; both adjust the p-value that leads in each line. Conditional logistic regression (protected × target type, plus an order term
when the first visit was randomised) gives a likelihood-ratio test of equal effects, with
venue-clustered sandwich standard errors. Planning: Connor (1987).</p>
<h3>References</h3><ol>{references}</ol></section>"""


def render_report(result: AnalysisResult, *, labels: Mapping[str, str] | None = None) -> str:
    """The HTML report of `result`; `labels` maps outcome ids to question labels."""
    labels = labels or {}
    study = result.study
    title = str(study.get("title") or study.get("code") or "Mystery-guest study")
    facts = ", ".join(f"{key.replace('_', ' ')}: {study[key]}" for key in
                      ("code", "instrument", "instrument_version", "domain") if key in study)  # fmt: skip
    convention = (
        '<p class="convention"><strong>How to read the numbers.</strong> For yes/no outcomes a '
        "positive net difference means that the protected group was treated favourably less "
        "often than the control group (b, only the control team admitted, outnumbers c, only "
        "the protected team admitted); it is given in percentage points: above zero, the "
        "protected group was worse off. Numeric outcomes are differences protected − control "
        "in the outcome's unit: where higher is adverse (waits, fees, rents) above zero means "
        "that the protected group was worse off; where lower is adverse (e.g. units offered) "
        "below zero does. Each figure marks which side of zero is which. Intervals are "
        f"{result.confidence:.0%} confidence intervals. Where targets were visited more than "
        "once, the interval and p-value allow for it (venue-robust). "
        f"{DESIGN_EFFECT_SENTENCE}</p>"
    )
    sections = [_outcome_section(result, outcome, labels) for outcome in result.outcomes]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}: analysis report</title><style>{CSS}</style></head>
<body><main>
<h1>{escape(title)}: analysis report</h1>
<p>{escape(facts)}</p>
{convention}
{_quality(result)}
{"".join(sections)}
{_models(result)}
{_methods(result)}
<p class="note">Generated by mysteryguest analyze. Full results: results.json, estimates.csv and models.csv
beside this file.</p>
</main></body></html>
"""
