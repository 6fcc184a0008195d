"""A release's frozen content as the public page shows it, in one language.

The content holds numbers and codes; this module adds the words (:mod:`fieldwork.public.texts`,
from the Babel catalogue), formats numbers for the language and names months, never days. The
page, the PDF and the coordinator's preview all render the dict that :func:`release_view`
returns. The words follow the numbers: significance words follow the p-value shown, "differed
little" needs a margin within ±5 points, randomisation is mentioned only when the order was
drawn, counts of check pairs come from the data, and a share that rounds to 0 but is not 0
reads "fewer than 1".
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.numbers import get_decimal_symbol
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import gettext
from markupsafe import Markup

from analysis.disclosure import p_below
from analysis.disclosure import p_public
from analysis.disclosure import percent
from analysis.publication import required_question
from fieldwork.labels import label
from fieldwork.public import texts
from fieldwork.public.charts import net_chart
from forms import get_instrument

PAIR_TABLES = ("by_target_type", "by_area")


def number(value: Any) -> str:
    return "–" if value is None else format_decimal(value)


def signed(value: int | None) -> str:
    """An integer with a real minus sign (−), as the design asks for negative differences."""
    if value is None:
        return "–"
    return ("−" if value < 0 else "") + format_decimal(abs(value))


def p_text(shown: str | float | None) -> str:
    """A p-value as stored ("< 0.001", "0.062"; a number in releases of format version 1) in
    the language's decimal sign."""
    if isinstance(shown, float | int):
        shown = p_public(float(shown))
    if shown is None:
        return "–"
    text = shown.replace(".", get_decimal_symbol(get_locale()))
    return text.replace("< ", "<\u00a0")


def p_phrase(shown: str) -> str:
    """ "< 0,001" or "= 0,062": what follows a "p" in a sentence."""
    return p_text(shown) if shown.startswith("<") else f"=\u00a0{p_text(shown)}"


def per_hundred(count: int, n: int) -> str:
    """A count as "in X of every 100", never a rounded zero when the count is not zero."""
    share = percent(count / n) if n else None
    if count and share == 0:
        return gettext("fewer than 1")
    return number(share)


def month(value: str | None) -> str:
    if not value:
        return "–"
    year, month_number = (int(part) for part in value.split("-")[:2])
    return format_date(date(year, month_number, 1), "MMMM yyyy")


def period_text(period: dict[str, Any]) -> str:
    start, end = month(period.get("from")), month(period.get("to"))
    if start == end:
        return gettext("In %(start)s", start=start)
    return gettext("From %(start)s to %(end)s", start=start, end=end)


def duration(minutes: int | None) -> str:
    return texts.duration(minutes, number)


class _Words:
    def __init__(self, content: dict[str, Any]) -> None:
        self.content = content
        self.domain = content["study"].get("domain") or "nightlife"
        self.rules = content.get("rules", {})
        self.alpha = round(1 - float(content.get("confidence", 0.95)), 10)  # 0.05, not 0.05000…04
        self._reasons = None
        study = content["study"]
        has_reasons = any(name.startswith("reasons_") for name in content["tables"])
        if has_reasons:  # a release with reasons names its question; the labels are its choices
            instrument = get_instrument(study["instrument"], study["instrument_version"])
            name = study.get("reasons_question")  # absent in releases of format version 1
            self._reasons = (instrument.question(name) if name
                             else required_question(instrument, "reasons"))  # fmt: skip

    def say(self, key: str, **values: Any) -> str:
        return texts.say(self.domain, key, **values)

    def stratum(self, table: str, key: str) -> str:
        if key == "total":
            return gettext("Whole city")
        if key == "*":
            return gettext("all lines")
        if table == "by_target_type":
            words = label(key, "target_type")
            return words[:1].upper() + words[1:]
        return key

    def reason(self, code: str) -> str:
        if code == "other_reasons":
            return gettext("Other reasons (merged)")
        assert self._reasons is not None
        return self._reasons.choice_label(code, str(get_locale()))

    def rule(self, rule: str, table: str = "") -> str:
        reasons = table.startswith("reasons_")
        minimum = self.rules.get("min_pairs", 10)
        if rule == "min_pairs":
            if reasons:
                return gettext("fewer than %(min)s refusals", min=minimum)
            return gettext("fewer than %(min)s valid tests", min=minimum)
        if rule == "min_targets":
            return self.say("rule_min_targets", min_targets=self.rules.get("min_targets", 5))
        if rule == "dominance":
            return self.say("rule_dominance")
        if rule == "extreme_share":
            if reasons:
                return gettext("given in every refusal of the group")
            return self.say("rule_extreme_share")
        if rule == "complementary":
            return gettext("left out so that the total does not reveal another hidden line")
        raise ValueError(f"no words for rule {rule!r}")

    def why(self, rules: list[str], table: str = "") -> str:
        return "; ".join(dict.fromkeys(self.rule(rule, table) for rule in rules))

    def table_name(self, table: str) -> str:
        names = {
            "*": gettext("All tables"),
            "by_target_type": gettext("Table 1"),
            "by_area": gettext("Table 2"),
            "by_first_role": gettext("Order"),
            "sham": gettext("Check pairs"),
            "reasons_protected": gettext("Table 3, group with migration background"),
            "reasons_control": gettext("Table 3, comparison group"),
        }
        return names[table]


def _interval(values: dict[str, Any]) -> str:
    return gettext(
        "%(net)s (%(low)s to %(high)s)",
        net=signed(values["net_difference_pct"]),
        low=signed(values["ci_low_pct"]),
        high=signed(values["ci_high_pct"]),
    )


def _independent(words: _Words, values: dict[str, Any]) -> str | None:
    """The usual figures of a line that leads with the venue-robust ones, labelled as such."""
    if values.get("method") != "venue":
        return None
    independent = values["independent"]
    return texts.independent_text(
        words.domain,
        low=signed(independent["ci_low_pct"]),
        high=signed(independent["ci_high_pct"]),
        p=None if values.get("p_value") is None else p_phrase(independent["p_value"]),
    )


def _pair_row(words: _Words, table: str, line: dict[str, Any]) -> dict[str, Any]:
    values = line["values"]
    row = {"label": words.stratum(table, line["key"]), "published": line["published"],
           "total": line["key"] == "total"}  # fmt: skip
    if not line["published"]:
        row["why"] = gettext("Not shown: %(why)s", why=words.why(line["rules"]))
        return row
    row.update(
        targets=number(values["targets"]), n_pairs=number(values["n_pairs"]),
        both=number(values["both_favourable"]), b=number(values["control_only_favourable"]),
        c=number(values["protected_only_favourable"]), d=number(values["neither_favourable"]),
        net=_interval(values), independent=_independent(words, values),
        p=p_text(values.get("p_value")), p_holm=p_text(values.get("p_adjusted")),
    )  # fmt: skip
    return row


def _pair_table(words: _Words, name: str) -> dict[str, Any] | None:
    table = words.content["tables"].get(name)
    if table is None:
        return None
    rows = [_pair_row(words, name, line) for line in table["rows"]]
    if table.get("total"):
        rows.append(_pair_row(words, name, table["total"]))
    by_type = name == "by_target_type"
    caption = words.say("table_type") if by_type else gettext("Table 2. Results per area")
    title = (
        words.say("chart_type") if by_type else gettext("Net measure with 95 % margin, per area")
    )
    chart = net_chart(
        table,
        labels={"total": gettext("Whole city")}
        | {line["key"]: words.stratum(name, line["key"]) for line in table["rows"]},
        title=title, axis=gettext("percentage points"), not_shown=gettext("not shown"),
        ident=f"chart-{name}", signed=signed,
    )  # fmt: skip
    notes = [words.say("table_note")]
    lines = [line for line in [*table["rows"], table.get("total")] if line and line["published"]]
    if any(line["values"].get("method") == "venue" for line in lines):
        notes.append(words.say("note_repeat"))
    else:
        notes.append(gettext("p: McNemar's mid-p test of no difference."))
    family = sum(1 for line in table["rows"]
                 if line["published"] and line["values"].get("p_adjusted") is not None)  # fmt: skip
    if by_type and family:
        notes.append(texts.family_text(family))
    return {"name": name, "caption": caption, "rows": rows, "chart": Markup(chart),
            "chart_caption": words.say("chart_caption"),
            "holm": by_type, "note": " ".join(notes),
            "stratum_header": gettext("Type") if by_type else gettext("Area")}  # fmt: skip


def _reason_tables(words: _Words) -> list[dict[str, Any]]:
    found = []
    for group in ("protected", "control"):
        table = words.content["tables"].get(f"reasons_{group}")
        if table is None:
            continue
        total = table["total"]
        title = (gettext("Group with migration background") if group == "protected"
                 else gettext("Comparison group"))  # fmt: skip
        item: dict[str, Any] = {"group": title, "rows": []}
        if not total["published"]:
            item["why"] = gettext("Not shown: %(why)s", why=words.why(total["rules"], "reasons_"))
        else:
            item["total"] = number(total["values"]["refusals"])
            for line in table["rows"]:
                row = {"label": words.reason(line["key"]), "published": line["published"]}
                if line["published"]:
                    row["count"] = number(line["values"]["count"])
                    row["share"] = f"{number(line['values']['share_pct'])}\u00a0%"
                else:
                    row["why"] = gettext(
                        "Not shown: %(why)s", why=words.why(line["rules"], "reasons_")
                    )
                item["rows"].append(row)
        found.append(item)
    return found


def _headline(words: _Words) -> list[str]:
    headline = words.content.get("headline")
    if not headline:
        return [gettext("There are too few valid tests to show a city-wide result.")]
    n = headline["n_pairs"]
    first = words.say(
        "headline", period=period_text(words.content["period"]),
        targets=number(headline["targets"]), n=number(n),
        gross_p=per_hundred(headline["control_only_favourable"], n),
        gross_c=per_hundred(headline["protected_only_favourable"], n),
    )  # fmt: skip
    net = headline["net_difference_pct"]
    key = "net_worse" if net > 0 else "net_better" if net < 0 else "net_none"
    sentences = [first, words.say(key, net=signed(net))]
    targets = number(headline.get("n_targets") or headline["targets"])
    method = headline.get("method", "independent")
    sentences.append(texts.margin_text(
        words.domain, low=signed(headline["ci_low_pct"]), high=signed(headline["ci_high_pct"]), method=method,
        targets=targets, few=bool(headline.get("few_targets")),
    ))  # fmt: skip
    independent = _independent(words, headline)
    if independent:
        sentences.append(independent)
    shown = headline.get("p_value")
    if isinstance(shown, float | int):  # format version 1 stored the number
        shown = p_public(float(shown))
    sentences.append(texts.chance_text(
        words.domain, below=p_below(shown, words.alpha), p=p_phrase(shown) if shown else "",
        very=shown == "< 0.001", targets=targets,
    ))  # fmt: skip
    return sentences


def _design(words: _Words) -> list[tuple[str, str]]:
    content = words.content
    study, counts = content["study"], content["counts"]
    size = content.get("design", {}).get("team_size") or [2, 4]
    size_text = (
        number(size[0])
        if size[0] == size[1]
        else gettext("%(low)s to %(high)s", low=number(size[0]), high=number(size[1]))
    )
    pairs = words.say("pairs_single") if size[1] == 1 else words.say("pairs", size=size_text)
    order_rule = study.get("order_rule") or "randomised"
    items = [
        (gettext("Ground tested"), words.say("grounds")),
        (gettext("Pairs"), pairs),
        (gettext("Matching"), words.say("matching")),
        (gettext("Order"), words.say(f"order_{order_rule}")),
        (gettext("Time between"), words.say(
            "interval", gap=duration(study.get("planned_gap_minutes")),
            max=duration(study.get("max_interval_minutes")))),
        (gettext("Numbers"), gettext(
            "Tests planned: %(planned)s; complete: %(complete)s; valid: %(valid)s.",
            planned=number(counts["planned"]), complete=number(counts["complete"]),
            valid=number(counts["valid"]))),
    ]  # fmt: skip
    sham = content["tables"].get("sham", {}).get("total") or {}
    if sham.get("published"):
        values = sham["values"]
        items.append((gettext("Check for chance"), texts.sham_text(
            words.domain, pairs=counts.get("sham_pairs"), tests=number(values["n_pairs"]),
            disc=per_hundred(values["control_only_favourable"]
                             + values["protected_only_favourable"], values["n_pairs"]),
            number=number)))  # fmt: skip
    training = content.get("texts", {}).get("training", {})
    own = training.get(str(get_locale())) or training.get("nl")
    items.append((gettext("Training"), own or words.say("training")))
    items.append((gettext("Privacy"), words.say("privacy")))
    return items


def _caveats(words: _Words) -> list[str]:
    content = words.content
    headline = content.get("headline") or {}
    items = []
    if headline:
        repeat = headline["targets"] < headline["n_pairs"]
        items.append(words.say("repeat_visits" if repeat else "one_visit"))
    chance = words.say("chance")
    sham = content["tables"].get("sham", {}).get("total") or {}
    if sham.get("published"):
        chance += " " + gettext("Check pairs measure how often that happens (see above).")
    items.append(chance)
    order = content["tables"].get("by_first_role", {})
    lines = {line["key"]: line for line in order.get("rows", []) if line["published"]}
    values = None
    if {"protected", "control"} <= set(lines):
        values = words.say(
            "order_values",
            first_p=signed(lines["protected"]["values"]["net_difference_pct"]),
            first_c=signed(lines["control"]["values"]["net_difference_pct"]),
        )
    items.append(texts.order_text(
        words.domain, order_rule=content["study"].get("order_rule"), values=values,
        difference=(order.get("extra") or {}).get("order_difference"), signed=signed,
    ))  # fmt: skip
    items.append(words.say("scope"))
    items.append(gettext("Only migration background was tested, not other grounds."))
    return items


def _decisions(words: _Words) -> list[dict[str, str]]:
    """The decision log in words: one item per suppressed line (all its rules), per merge, and
    the lowered minimum; the family adjustment is said under its table."""
    shown: list[dict[str, str]] = []
    suppressed: dict[tuple[str, str], list[str]] = {}
    for decision in words.content.get("decisions", []):
        table, cell, action = decision["table"], decision["cell"], decision["action"]
        if action == "lowered":
            why = gettext(
                "lines need at least %(min)s valid tests instead of 10. Reason: %(reason)s",
                min=words.rules.get("min_pairs"), reason=words.rules.get("min_pairs_reason", ""),
            )  # fmt: skip
            shown.append({"table": words.table_name(table), "cell": "", "why": why})
        elif action == "merged":
            why = texts.merged_text(decision.get("categories") or 0,
                                    words.rules.get("min_pairs", 10))  # fmt: skip
            shown.append({"table": words.table_name(table), "cell": "", "why": why})
        elif action == "suppressed":
            if (table, cell) not in suppressed:
                suppressed[(table, cell)] = []
                shown.append({"table": words.table_name(table), "key": f"{table}\0{cell}"})
            suppressed[(table, cell)].append(decision["rule"])
    for item in shown:
        if "key" not in item:
            continue
        table, cell = item.pop("key").split("\0")
        if table.startswith("reasons_"):
            item["cell"] = (gettext("Refusals (and admissions on conditions)") if cell == "total"
                            else words.reason(cell))  # fmt: skip
        else:
            item["cell"] = words.stratum(table, cell)
        item["why"] = words.why(suppressed[(table, cell)], table)
    return shown


def release_view(content: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the release templates show, in ``lang``."""
    with force_locale(lang):
        words = _Words(content)
        next_steps = content.get("texts", {}).get("next_steps", {})
        own_lang = lang if next_steps.get(lang) else "nl"
        domain = words.domain
        return {
            "lang": lang,
            "domain": domain,
            "title": content["study"].get("title", ""),
            "period": period_text(content["period"]),
            "headline": _headline(words),
            "design": _design(words),
            "tables": [t for t in (_pair_table(words, name) for name in PAIR_TABLES) if t],
            "columns": {
                key: words.say(f"col_{key}") for key in ("targets", "both", "b", "c", "d")
            },  # fmt: skip
            "reasons": _reason_tables(words),
            "caveats": _caveats(words),
            "next_steps": next_steps.get(own_lang, ""),
            "next_steps_lang": own_lang,
            "decisions": _decisions(words),
            "decisions_intro": words.say("decisions_intro"),
            "kind": words.say("index_line"),
        }
