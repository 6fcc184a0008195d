"""The public side of waves, in one language: the trend page and a release's comparison with
the wave before it.

The numbers come from :mod:`fieldwork.services.releases.trends` (published releases only, only
figures each release published, the change only from lines both published); this module adds the
words and formats the numbers as the release page does (:mod:`fieldwork.public.view`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext
from markupsafe import Markup

from analysis.disclosure import p_below
from fieldwork.labels import label
from fieldwork.models import Release
from fieldwork.public import texts
from fieldwork.public.charts import trend_chart
from fieldwork.public.view import number
from fieldwork.public.view import p_phrase
from fieldwork.public.view import p_text
from fieldwork.public.view import period_text
from fieldwork.public.view import signed
from fieldwork.services.releases.trends import CITY_LINE
from fieldwork.services.releases.trends import Change
from fieldwork.services.releases.trends import Series
from fieldwork.services.releases.trends import wave_change


def short_month(value: str | None) -> str:
    """``2026-05`` as "May 2026" with the month abbreviated where the language does."""
    if not value:
        return "–"
    year, month_number = (int(part) for part in value.split("-")[:2])
    return format_date(date(year, month_number, 1), "MMM yyyy")


def _interval(net: int | None, low: int | None, high: int | None) -> str:
    if low is None or high is None:
        return signed(net)
    return gettext("%(net)s (%(low)s to %(high)s)", net=signed(net), low=signed(low),
                   high=signed(high))  # fmt: skip


def _alpha(release: Release) -> float:
    return round(1 - float(release.content.get("confidence", 0.95)), 10)


def _line_label(key: str) -> str:
    if key == CITY_LINE:
        return gettext("Whole city")
    words = label(key, "target_type")
    return words[:1].upper() + words[1:]


def change_sentences(change: Change, *, domain: str, alpha: float) -> list[str]:
    """The change of the whole city in words: from, to, the change with its margin, chance."""
    sentences = [gettext(
        "The net measure went from %(before)s to %(after)s in 100 tests: a change of %(change)s.",
        before=signed(change.net_from_pct), after=signed(change.net_to_pct),
        change=signed(change.difference_pct),
    )]  # fmt: skip
    if change.ci_low_pct is not None and change.ci_high_pct is not None:
        sentences.append(gettext(
            "With 95 %% confidence the change lies between %(low)s and %(high)s.",
            low=signed(change.ci_low_pct), high=signed(change.ci_high_pct),
        ))  # fmt: skip
    below = p_below(change.p_value, alpha)
    if below is None:
        sentences.append(gettext("No test of chance can be shown for this change."))
    elif below and change.p_value == "< 0.001":
        sentences.append(gettext("A change this large is very unlikely to be chance (p %(p)s).",
                                 p=p_phrase(change.p_value or "")))  # fmt: skip
    elif below:
        sentences.append(gettext("A change this large is unlikely to be chance (p %(p)s).",
                                 p=p_phrase(change.p_value or "")))  # fmt: skip
    else:
        sentences.append(gettext("This change could be chance (p %(p)s).",
                                 p=p_phrase(change.p_value or "")))  # fmt: skip
    sentences.append(texts.say(domain, "change_overlap", both=number(change.n_targets_in_both),
                               targets=number(change.n_targets)))  # fmt: skip
    return sentences


def comparison_view(earlier: Release | None, later: Release, lang: str) -> dict[str, Any] | None:
    """How ``later``'s wave compares with the wave before it (``earlier``, its published
    release), for the release page; None when there is nothing to compare."""
    if earlier is None:
        return None
    changes = wave_change(earlier, later)
    if not changes:
        return None
    with force_locale(lang):
        domain = later.content["study"].get("domain") or "nightlife"
        city = next((change for change in changes if change.key == CITY_LINE), None)
        return {
            "previous_id": earlier.id,
            "previous_period": period_text(earlier.content["period"]),
            "sentences": change_sentences(city, domain=domain, alpha=_alpha(later))
            if city is not None
            else [],
            "rows": [
                {
                    "label": _line_label(change.key),
                    "total": change.key == CITY_LINE,
                    "before": signed(change.net_from_pct),
                    "after": signed(change.net_to_pct),
                    "change": _interval(
                        change.difference_pct, change.ci_low_pct, change.ci_high_pct
                    ),
                    "p": p_text(change.p_value),
                }
                for change in sorted(changes, key=lambda change: change.key == CITY_LINE)
            ],  # fmt: skip
            "note": gettext(
                "Only lines shown in both releases are compared. The change is computed from the "
                "unrounded figures, so it can differ by a point from the difference of the "
                "rounded net measures; its margin allows for places tested in both waves."
            ),
        }


def trends_view(series: list[Series], lang: str) -> list[dict[str, Any]]:
    """Every series with published releases: a chart and the rows of the table beside it."""
    found = []
    with force_locale(lang):
        for index, item in enumerate(series, start=1):
            domain = item.domain
            points, rows, described = [], [], []
            opens = gettext("Open its release.")
            for point in item.points:
                assert point.release is not None
                release = point.release
                values = point.city_line
                period = release.content["period"]
                wave = gettext("Wave %(n)s", n=number(point.wave))
                net = values["net_difference_pct"] if values else None
                low = values["ci_low_pct"] if values else None
                high = values["ci_high_pct"] if values else None
                shown = _interval(net, low, high) if values else gettext("not shown")
                href = url_for("public.release", release_id=release.id)
                change = item.changes.get(release.id or -1)
                said = gettext("%(wave)s – %(period)s: %(net)s.", wave=wave,
                               period=period_text(period), net=shown)  # fmt: skip
                described.append(said)
                points.append({
                    "label": wave, "period": short_month(period.get("to")), "net_pct": net,
                    "ci_low_pct": low, "ci_high_pct": high, "href": href,
                    "name": f"{said} {opens}",
                })  # fmt: skip
                rows.append({
                    "wave": wave, "period": period_text(period), "href": href,
                    "title": release.content["study"].get("title", ""),
                    "n_pairs": number(values["n_pairs"]) if values else "–", "net": shown,
                    "change": _interval(change.difference_pct, change.ci_low_pct,
                                        change.ci_high_pct) if change else "–",
                    "p": p_text(change.p_value) if change else "–",
                })  # fmt: skip
            name = texts.say(domain, "index_line")
            description = " ".join(
                [gettext("Net measure of the whole city per wave, in percentage points, with its "
                         "95 %% margin.")]
                + described
            )  # fmt: skip
            chart = trend_chart(
                points, title=gettext("%(kind)s: net measure per wave", kind=name),
                description=description, axis=gettext("percentage points"),
                not_shown=gettext("not shown"), ident=f"trend-{index}", signed=signed,
            )  # fmt: skip
            found.append({"name": name, "chart": Markup(chart), "rows": rows, "id": index,
                          "caption": texts.say(domain, "trend_caption")})  # fmt: skip
    return found
