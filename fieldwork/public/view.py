"""A release's frozen content as the public page shows it, in one language.

The content holds numbers and codes; this module adds the words (``texts``), formats numbers for
the language (flask_babel) and names months, never days. The page, the PDF and the coordinator's
preview all render the dict that :func:`release_view` returns.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal
from markupsafe import Markup

from fieldwork.public.charts import net_chart
from fieldwork.public.texts import text, texts_for
from forms import get_instrument

PAIR_TABLES = ("by_target_type", "by_area")


def number(value: Any) -> str:
    return "–" if value is None else format_decimal(value)


def signed(value: int | None) -> str:
    """An integer with a real minus sign (−), as the design asks for negative differences."""
    if value is None:
        return "–"
    return ("−" if value < 0 else "") + format_decimal(abs(value))


def p_text(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 0.001:
        return "<\u00a0" + format_decimal(0.001, format="0.###")
    return format_decimal(value, format="0.000")


def month(value: str | None, lang: str) -> str:
    if not value:
        return "–"
    year, month_number = (int(part) for part in value.split("-")[:2])
    return format_date(date(year, month_number, 1), "MMMM yyyy")


def duration(minutes: int | None, lang: str) -> str:
    """Minutes as minutes, whole hours or whole days, in ``lang``."""
    if minutes is None:
        return "–"
    forms = texts_for(lang)["duration"]
    unit, amount = "minutes", minutes
    if minutes >= 1440 and minutes % 1440 == 0:
        unit, amount = "days", minutes // 1440
    elif minutes >= 60 and minutes % 60 == 0:
        unit, amount = "hours", minutes // 60
    return forms[unit][0 if amount == 1 else 1] % {"n": format_decimal(amount)}


def period_text(period: dict[str, Any], lang: str) -> str:
    start, end = month(period.get("from"), lang), month(period.get("to"), lang)
    if start == end:
        return text("period_one", lang, start=start)
    return text("period", lang, start=start, end=end)


class _Words:
    def __init__(self, content: dict[str, Any], lang: str) -> None:
        self.content, self.lang = content, lang
        self.domain = content["study"].get("domain") or "nightlife"
        self.rules = content.get("rules", {})
        self._reasons = None
        try:
            instrument = get_instrument(content["study"]["instrument"],
                                        content["study"]["instrument_version"])  # fmt: skip
            self._reasons = instrument.question("refusal_reasons")
        except (KeyError, LookupError, TypeError, ValueError):
            self._reasons = None

    def t(self, key: str, **values: Any) -> str:
        return text(key, self.lang, **values)

    def stratum(self, table: str, key: str) -> str:
        if key == "total":
            return self.t("total")
        if table == "by_target_type":
            return texts_for(self.lang)["types"].get(key, key)
        return key

    def reason(self, code: str) -> str:
        if code == "other_reasons":
            return self.t("other_reasons")
        if self._reasons is not None:
            try:
                return self._reasons.choice_label(code, self.lang)
            except KeyError:
                return code
        return code

    def why(self, rules: list[str], table: str = "") -> str:
        reasons = table.startswith("reasons_")
        names = [
            self.t(f"rules.{rule}_reasons" if reasons and rule == "min_pairs" else f"rules.{rule}",
                   **self.rules)
            for rule in rules
        ]  # fmt: skip
        return "; ".join(dict.fromkeys(names))


def _pair_row(words: _Words, table: str, line: dict[str, Any]) -> dict[str, Any]:
    values = line["values"]
    row = {"label": words.stratum(table, line["key"]), "published": line["published"],
           "total": line["key"] == "total"}  # fmt: skip
    if not line["published"]:
        row["why"] = words.t("suppressed", why=words.why(line["rules"]))
        return row
    row.update(
        targets=number(values["targets"]), n_pairs=number(values["n_pairs"]),
        both=number(values["both_favourable"]), b=number(values["control_only_favourable"]),
        c=number(values["protected_only_favourable"]), d=number(values["neither_favourable"]),
        net=words.t("interval", net=signed(values["net_difference_pct"]),
                    low=signed(values["ci_low_pct"]), high=signed(values["ci_high_pct"])),
        p=p_text(values["p_value"]), p_holm=p_text(values.get("p_adjusted")),
    )  # fmt: skip
    return row


def _pair_table(words: _Words, name: str) -> dict[str, Any] | None:
    table = words.content["tables"].get(name)
    if table is None:
        return None
    rows = [_pair_row(words, name, line) for line in table["rows"]]
    if table.get("total"):
        rows.append(_pair_row(words, name, table["total"]))
    noun = words.t(f"noun.{words.domain}")
    caption = (
        words.t("table_type", noun=noun) if name == "by_target_type" else words.t("table_area")
    )
    what = words.t(f"chart_what.{name}", noun=noun)
    chart = net_chart(
        table,
        labels={"total": words.t("total")}
        | {line["key"]: words.stratum(name, line["key"]) for line in table["rows"]},
        title=words.t("chart_title", what=what), axis=words.t("chart_axis"),
        not_shown=words.t("chart_not_shown"), ident=f"chart-{name}", signed=signed,
    )  # fmt: skip
    return {"name": name, "caption": caption, "rows": rows, "chart": Markup(chart),
            "holm": name == "by_target_type",
            "stratum_header": words.t("col.stratum_type" if name == "by_target_type"
                                      else "col.stratum_area")}  # fmt: skip


def _reason_tables(words: _Words) -> list[dict[str, Any]]:
    found = []
    for group in ("protected", "control"):
        table = words.content["tables"].get(f"reasons_{group}")
        if table is None:
            continue
        total = table["total"]
        item: dict[str, Any] = {"group": words.t(f"reasons_group.{group}"), "rows": []}
        if not total["published"]:
            item["why"] = words.t("suppressed", why=words.why(total["rules"], "reasons_"))
        else:
            item["total"] = number(total["values"]["refusals"])
            for line in table["rows"]:
                row = {"label": words.reason(line["key"]), "published": line["published"]}
                if line["published"]:
                    row["count"] = number(line["values"]["count"])
                    row["share"] = f"{number(line['values']['share_pct'])} %"
                else:
                    row["why"] = words.t("suppressed", why=words.why(line["rules"], "reasons_"))
                item["rows"].append(row)
        found.append(item)
    return found


def _headline(words: _Words) -> list[str]:
    headline = words.content.get("headline")
    if not headline:
        return [words.t("no_headline")]
    period = period_text(words.content["period"], words.lang)
    first = words.t(f"headline.{words.domain}", period=period, targets=number(headline["targets"]),
                    n=number(headline["n_pairs"]), gross_p=number(headline["gross_protected_pct"]),
                    gross_c=number(headline["gross_control_pct"]))  # fmt: skip
    net = words.t(
        "net_sentence",
        net=signed(headline["net_difference_pct"]),
        low=signed(headline["ci_low_pct"]),
        high=signed(headline["ci_high_pct"]),
    )
    low, high = headline["ci_low_pct"], headline["ci_high_pct"]
    clear = (low is not None and low > 0) or (high is not None and high < 0)
    chance = "chance_no" if clear else "chance_maybe"
    return [first, net, words.t(chance, p=p_text(headline["p_value"]))]


def _design(words: _Words) -> list[tuple[str, str]]:
    content, design = words.content, texts_for(words.lang)["design"]
    study, counts = content["study"], content["counts"]
    size = content.get("design", {}).get("team_size") or [2, 4]
    size_text = (
        number(size[0])
        if size[0] == size[1]
        else words.t("team_size_range", low=number(size[0]), high=number(size[1]))
    )
    sham = content["tables"].get("sham", {}).get("total") or {}
    training = content.get("texts", {}).get("training", {})
    single = size[1] == 1
    items = [
        design["grounds"],
        design["pairs_single"] if single else (design["pairs"][0],
                                               design["pairs"][1] % {"size": size_text}),
        design["matching_housing"] if words.domain == "housing" else design["matching"],
        (design["order"][0], design["order"][1].get(study.get("order_rule"), "")),
        (design["interval"][0], design["interval"][1] % {
            "gap": duration(study.get("planned_gap_minutes"), words.lang),
            "max": duration(study.get("max_interval_minutes"), words.lang)}),
        (design["numbers"][0], design["numbers"][1] % {
            "planned": number(counts["planned"]), "complete": number(counts["complete"]),
            "valid": number(counts["valid"])}),
    ]  # fmt: skip
    if sham.get("published"):
        items.append((design["sham"][0], design["sham"][1] % {
            "sham": number(sham["values"]["n_pairs"]),
            "disc": number(sham["values"].get("discordance_pct"))}))  # fmt: skip
    own = training.get(words.lang) or training.get("nl")
    items.append((design["training"][0], own or design["training"][1]))
    items.append(design["privacy"])
    return items


def _caveats(words: _Words) -> list[str]:
    order = words.content["tables"].get("by_first_role", {})
    values = {line["key"]: line for line in order.get("rows", []) if line["published"]}
    if {"protected", "control"} <= set(values):
        order_text = words.t(
            "order_values",
            first_p=signed(values["protected"]["values"]["net_difference_pct"]),
            first_c=signed(values["control"]["values"]["net_difference_pct"]),
        )
    else:
        order_text = words.t("order_unknown")
    return [item % {"order": order_text} for item in texts_for(words.lang)["caveats"]]


def _decisions(words: _Words) -> list[dict[str, str]]:
    tables = texts_for(words.lang)["tables"]
    shown = []
    for decision in words.content.get("decisions", []):
        if decision["action"] == "rounded":
            continue
        table = decision["table"]
        cell = decision["cell"]
        if table.startswith("reasons_"):
            label = words.t("reasons_total") if cell == "total" else words.reason(cell)
        else:
            label = words.stratum(table, cell)
        why = words.why([decision["rule"]], table)
        if decision["action"] == "merged":
            why = f"{why}; {words.t('rules.merge')}"
        shown.append({"table": tables.get(table, table), "cell": label, "why": why})
    return shown


def release_view(content: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the release templates show, in ``lang``."""
    words = _Words(content, lang)
    next_steps = content.get("texts", {}).get("next_steps", {})
    own_lang = lang if next_steps.get(lang) else "nl"
    return {
        "lang": lang,
        "t": texts_for(lang),
        "title": content["study"].get("title", ""),
        "period": period_text(content["period"], lang),
        "headline": _headline(words),
        "design": _design(words),
        "tables": [t for t in (_pair_table(words, name) for name in PAIR_TABLES) if t],
        "reasons": _reason_tables(words),
        "caveats": _caveats(words),
        "next_steps": next_steps.get(own_lang, ""),
        "next_steps_lang": own_lang,
        "decisions": _decisions(words),
    }
