"""The checks that turn the TOML tables of one instrument file into an `Instrument`."""

from __future__ import annotations

import dataclasses
import difflib
import keyword
import re
from collections.abc import Mapping
from typing import Any
from typing import NoReturn

from forms.model import CHOICE_TYPES
from forms.model import LANGUAGES
from forms.model import NUMERIC_TYPES
from forms.model import QUESTION_TYPES
from forms.model import ROLES
from forms.model import Choice
from forms.model import Instrument
from forms.model import InstrumentError
from forms.model import Outcome
from forms.model import Question
from forms.model import Relevance

DOMAINS = ("nightlife", "housing")
TOP_LEVEL_KEYS = (
    "id", "version", "domain", "title", "arrival_question", "deviation_question", "question",
)  # fmt: skip
QUESTION_KEYS = (
    "id", "type", "label", "help", "required", "choices", "min", "max", "max_length", "relevant",
    "outcome", "role",
)  # fmt: skip
CHOICE_KEYS = ("value", "label")
RELEVANT_KEYS = ("question", "in")
OUTCOME_KEYS = ("kind", "favourable", "adverse", "primary", "given", "equivalent")
EQUIVALENT = re.compile(r"^[a-z][a-z0-9-]*@[1-9][0-9]*$")
# Question ids become form field names and attributes of the generated FlaskForm class.
RESERVED_IDS = frozenset(
    {
        "report_uuid", "csrf_token", "meta", "data", "errors", "form_errors", "validate",
        "validate_on_submit", "process", "post_process", "populate_obj", "hidden_tag", "is_submitted",
        "instrument", "lang", "answer_result", "answers_from_formdata",
    }
)  # fmt: skip
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*\Z")
_INSTRUMENT_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")


def _suggest(key: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else "remove it; "
    return f"{hint}allowed keys: {', '.join(allowed)}"


def _kind(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


class Parser:
    """Turns the TOML tables of one file into an Instrument, raising on the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, problem: str, fix: str, question: str | None = None) -> NoReturn:
        raise InstrumentError.at(self.source, problem, fix, question=question)

    def keys(
        self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str, qid: str | None
    ) -> None:
        for key in table:
            if key not in allowed:
                self.fail(f"unknown {where} key {key!r}", _suggest(key, allowed), qid)

    def flag(self, table: Mapping[str, Any], key: str, qid: str | None) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.fail(
                f"{key} must be true or false, not {_kind(value)}", f"write {key} = true", qid
            )
        return value

    def texts(self, value: Any, what: str, qid: str | None) -> dict[str, str]:
        example = f'{what} = {{ nl = "...", en = "..." }}'
        if value is None:
            self.fail(f"missing {what}", f"add {example}", qid)
        if not isinstance(value, dict):
            self.fail(
                f"{what} must be a table of texts, not {_kind(value)}", f"write {example}", qid
            )
        for lang, text in value.items():
            if lang not in LANGUAGES:
                close = difflib.get_close_matches(lang, LANGUAGES, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.fail(
                    f"{what} has unknown language {lang!r}",
                    f"use only {', '.join(LANGUAGES)}{hint}",
                    qid,
                )
            if not isinstance(text, str) or not text.strip():
                self.fail(f"{what}.{lang} must be a non-empty string", f"write {example}", qid)
        for lang in LANGUAGES:
            if lang not in value:
                self.fail(
                    f"{what} lacks the {lang!r} text", f'add {lang} = "..." to the {what}', qid
                )
        return dict(value)

    def instrument(self, data: dict[str, Any], text: str) -> Instrument:
        self.keys(data, TOP_LEVEL_KEYS, "top-level", None)
        for key, example in (
            ("id", 'id = "nightlife-door"'),
            ("version", "version = 1"),
            ("domain", 'domain = "nightlife"'),
        ):
            if key not in data:
                self.fail(f"missing top-level key {key!r}", f"add {example}")
        iid = data["id"]
        if not isinstance(iid, str) or not _INSTRUMENT_ID.match(iid):
            self.fail(
                f"instrument id {iid!r} is not a lower-case slug",
                'use letters, digits and hyphens, e.g. "nightlife-door"',
            )
        version = data["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            self.fail(
                f"version {version!r} is not a positive integer", "write version = 1 (or 2, ...)"
            )
        if data["domain"] not in DOMAINS:
            self.fail(f"unknown domain {data['domain']!r}", f"use one of: {', '.join(DOMAINS)}")
        title = self.texts(data.get("title"), "title", None)
        raw_questions = data.get("question")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.fail("no questions", "add at least one [[question]] table")
        all_ids = [raw.get("id") for raw in raw_questions if isinstance(raw, dict)]
        questions: dict[str, Question] = {}
        for index, raw in enumerate(raw_questions, start=1):
            question = self.question(raw, index, questions, all_ids)
            questions[question.id] = question
        self.check_primary(list(questions.values()))
        self.check_roles(list(questions.values()))
        arrival = self.special(data, "arrival_question", ("time", "datetime"), questions)
        deviation = self.special(data, "deviation_question", ("multichoice",), questions)
        return Instrument(
            id=iid,
            version=version,
            domain=data["domain"],
            title=title,
            questions=tuple(questions.values()),
            arrival_question=arrival,
            deviation_question=deviation,
            source=self.source,
            text=text,
        )

    def question(
        self, raw: Any, index: int, earlier: dict[str, Question], all_ids: list[Any]
    ) -> Question:
        if not isinstance(raw, dict):
            self.fail(
                f"question #{index} is {_kind(raw)}", "write each question as a [[question]] table"
            )
        qid = raw.get("id")
        if qid is None:
            self.fail("missing id", 'add id = "a_lowercase_identifier"', f"#{index}")
        if (
            not isinstance(qid, str)
            or not _IDENTIFIER.match(qid)
            or keyword.iskeyword(qid)
            or "__" in qid
        ):
            self.fail(
                f"id {qid!r} is not a lower-case identifier",
                "use a-z, 0-9 and single underscores, starting with a letter (e.g. wait_minutes)",
                f"#{index}",
            )
        if qid in RESERVED_IDS:
            self.fail(
                f"id {qid!r} collides with a form field or form attribute name",
                "choose another id",
                qid,
            )
        if qid in earlier:
            self.fail("duplicate question id", "give each question its own id", qid)
        self.keys(raw, QUESTION_KEYS, "question", qid)
        qtype = raw.get("type")
        if qtype is None:
            self.fail("missing type", f"add type = one of: {', '.join(QUESTION_TYPES)}", qid)
        if qtype not in QUESTION_TYPES:
            close = difflib.get_close_matches(str(qtype), QUESTION_TYPES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.fail(
                f"unknown type {qtype!r}", f"{hint}use one of: {', '.join(QUESTION_TYPES)}", qid
            )
        label = self.texts(raw.get("label"), "label", qid)
        help_text = self.texts(raw["help"], "help", qid) if "help" in raw else None
        question = Question(
            id=qid,
            type=qtype,
            label=label,
            required=self.flag(raw, "required", qid),
            help=help_text,
            choices=self.choices(raw, qid, qtype),
            max_length=self.max_length(raw, qid, qtype),
            role=self.role(raw, qid),
        )
        low, high = self.bounds(raw, qid, qtype)
        relevant = self.relevance(raw.get("relevant"), qid, earlier, all_ids)
        outcome = self.outcome(raw.get("outcome"), question, earlier, all_ids)
        return dataclasses.replace(question, min=low, max=high, relevant=relevant, outcome=outcome)

    def choices(self, raw: dict[str, Any], qid: str, qtype: str) -> tuple[Choice, ...]:
        if qtype not in CHOICE_TYPES:
            if "choices" in raw:
                self.fail(
                    f"choices on a question of type {qtype!r}",
                    "remove choices, or use type choice or multichoice",
                    qid,
                )
            return ()
        items = raw.get("choices")
        example = 'choices = [ { value = "yes", label = { nl = "Ja", en = "Yes" } }, ... ]'
        if not isinstance(items, list) or not items:
            self.fail(f"a question of type {qtype!r} needs choices", f"add {example}", qid)
        result: list[Choice] = []
        for item in items:
            if not isinstance(item, dict):
                self.fail(f"a choice is {_kind(item)}, not a table", f"write {example}", qid)
            self.keys(item, CHOICE_KEYS, "choice", qid)
            value = item.get("value")
            if not isinstance(value, str) or not _IDENTIFIER.match(value):
                self.fail(
                    f"choice value {value!r} is not a lower-case identifier",
                    'use a-z, 0-9 and _, starting with a letter (e.g. "q1_10")',
                    qid,
                )
            if any(choice.value == value for choice in result):
                self.fail(
                    f"duplicate choice value {value!r}", "give each choice its own value", qid
                )
            result.append(
                Choice(value=value, label=self.texts(item.get("label"), "choice label", qid))
            )
        return tuple(result)

    def max_length(self, raw: dict[str, Any], qid: str, qtype: str) -> int | None:
        if "max_length" not in raw:
            return None
        value = raw["max_length"]
        if qtype != "text":
            self.fail(
                f"max_length on a question of type {qtype!r}",
                "remove it; max_length is for text",
                qid,
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(
                f"max_length {value!r} is not a positive integer",
                "write e.g. max_length = 500",
                qid,
            )
        return value

    def bounds(
        self, raw: dict[str, Any], qid: str, qtype: str
    ) -> tuple[float | None, float | None]:
        found: dict[str, float] = {}
        for key in ("min", "max"):
            if key not in raw:
                continue
            value = raw[key]
            if qtype not in NUMERIC_TYPES:
                self.fail(
                    f"{key} on a question of type {qtype!r}",
                    "remove it; min and max are for integer and decimal",
                    qid,
                )
            if not isinstance(value, int | float) or isinstance(value, bool):
                self.fail(
                    f"{key} must be a number, not {_kind(value)}", f"write e.g. {key} = 0", qid
                )
            if qtype == "integer" and not float(value).is_integer():
                self.fail(f"{key} = {value} on an integer question", "use a whole number", qid)
            found[key] = value
        low, high = found.get("min"), found.get("max")
        if low is not None and high is not None and low > high:
            self.fail(f"min ({low}) is greater than max ({high})", "swap them or correct one", qid)
        return low, high

    def relevance(
        self, raw: Any, qid: str, earlier: dict[str, Question], all_ids: list[Any],
        key: str = "relevant",
    ) -> Relevance | None:  # fmt: skip
        """A condition on an earlier answer: skip logic (`relevant`) or an outcome's `given`."""
        if raw is None:
            return None
        example = f'{key} = {{ question = "admitted", in = ["no"] }}'
        if not isinstance(raw, dict):
            self.fail(f"{key} must be a table, not {_kind(raw)}", f"write {example}", qid)
        self.keys(raw, RELEVANT_KEYS, key, qid)
        target, values = raw.get("question"), raw.get("in")
        if not isinstance(target, str):
            self.fail(
                f"{key}.question must be a question id, not {_kind(target)}",
                f"write {example}",
                qid,
            )
        above = ", ".join(earlier) or "(none: this is the first question)"
        if target not in all_ids:
            self.fail(
                f"{key} refers to unknown question {target!r}",
                f"use one of the ids defined above it: {above}",
                qid,
            )
        if target not in earlier:
            self.fail(
                f"{key} refers to {target!r}, which is not defined above it",
                f"move {target!r} above {qid!r}, or use one of: {above}",
                qid,
            )
        controller = earlier[target]
        if controller.type not in (*CHOICE_TYPES, "boolean"):
            self.fail(
                f"{key} refers to {target!r}, a question of type {controller.type!r}",
                "make it depend on a choice, multichoice or boolean question",
                qid,
            )
        allowed = controller.choice_values
        if not isinstance(values, list) or not values:
            self.fail(
                f"{key} needs a non-empty list 'in'",
                f"write in = [...] with values of {target!r}: {', '.join(allowed)}",
                qid,
            )
        for value in values:
            if value not in allowed:
                self.fail(
                    f"{key}.in value {value!r} is not a value of {target!r}",
                    f"use values of {target!r}: {', '.join(allowed)}",
                    qid,
                )
        return Relevance(question=target, values=tuple(values))

    def outcome(
        self, raw: Any, question: Question, earlier: dict[str, Question], all_ids: list[Any]
    ) -> Outcome | None:
        if raw is None:
            return None
        qid, qtype = question.id, question.type
        if not isinstance(raw, dict):
            self.fail(
                f"outcome must be a table, not {_kind(raw)}",
                'write outcome = { kind = "binary", favourable = ["yes"] }',
                qid,
            )
        self.keys(raw, OUTCOME_KEYS, "outcome", qid)
        kind, primary = raw.get("kind"), self.flag(raw, "primary", qid)
        equivalent = self.equivalent(raw.get("equivalent", []), qid)
        if kind == "binary":
            if qtype not in ("choice", "boolean"):
                self.fail(
                    f"a binary outcome on a question of type {qtype!r}",
                    "put binary outcomes on choice or boolean questions "
                    "(continuous outcomes on integer or decimal)",
                    qid,
                )
            favourable = raw.get("favourable")
            allowed = ", ".join(question.choice_values)
            if not isinstance(favourable, list) or not favourable:
                self.fail(
                    "a binary outcome needs favourable values",
                    f"add favourable = [...] with values from: {allowed}",
                    qid,
                )
            for value in favourable:
                if value not in question.choice_values:
                    self.fail(
                        f"favourable value {value!r} is not a value of this question",
                        f"use values from: {allowed}",
                        qid,
                    )
            if "adverse" in raw:
                self.fail(
                    "adverse on a binary outcome", "remove it; binary outcomes use favourable", qid
                )
            if "given" in raw:
                self.fail(
                    "given on a binary outcome",
                    "remove it; given conditions a continuous outcome on an earlier answer",
                    qid,
                )
            return Outcome(kind="binary", favourable=tuple(favourable), primary=primary,
                           equivalent=equivalent)  # fmt: skip
        if kind == "continuous":
            if qtype not in NUMERIC_TYPES:
                self.fail(
                    f"a continuous outcome on a question of type {qtype!r}",
                    "put continuous outcomes on integer or decimal questions "
                    "(binary outcomes on choice or boolean)",
                    qid,
                )
            adverse = raw.get("adverse")
            if adverse not in ("higher", "lower"):
                self.fail(
                    f"continuous outcome adverse is {adverse!r}",
                    'write adverse = "higher" or adverse = "lower" (which direction is worse)',
                    qid,
                )
            if "favourable" in raw:
                self.fail(
                    "favourable on a continuous outcome",
                    "remove it; continuous outcomes use adverse",
                    qid,
                )
            # given: the value exists only when an earlier answer says so (a fee only for a
            # team let in); the paired comparison is then conditional on both teams meeting it.
            given = self.relevance(raw.get("given"), qid, earlier, all_ids, key="outcome.given")
            return Outcome(kind="continuous", adverse=adverse, primary=primary, given=given,
                           equivalent=equivalent)  # fmt: skip
        self.fail(
            f"unknown outcome kind {kind!r}", 'use kind = "binary" or kind = "continuous"', qid
        )

    def equivalent(self, raw: Any, qid: str) -> tuple[str, ...]:
        """Instrument versions whose question of the same id measures the same thing.

        Comparisons across studies (summary bundles) pool an outcome only between the same
        instrument version or versions declared equivalent here.
        """
        example = 'equivalent = ["nightlife-door@1"]'
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            self.fail("outcome.equivalent must be a list of strings", f"write {example}", qid)
        for item in raw:
            if not EQUIVALENT.match(item):
                self.fail(
                    f"outcome.equivalent entry {item!r} is not instrument-id@version",
                    f"write {example}",
                    qid,
                )
        return tuple(raw)

    def check_primary(self, questions: list[Question]) -> None:
        primaries = [q.id for q in questions if q.outcome is not None and q.outcome.primary]
        if len(primaries) > 1:
            self.fail(
                f"a second primary outcome (the first is {primaries[0]!r})",
                "keep primary = true on one question only",
                primaries[1],
            )

    def role(self, raw: dict[str, Any], qid: str) -> str | None:
        if "role" not in raw:
            return None
        value = raw["role"]
        if value not in ROLES:
            close = difflib.get_close_matches(str(value), list(ROLES), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            known = "; ".join(f"{name!r}: {meaning}" for name, meaning in ROLES.items())
            self.fail(f"unknown role {value!r}", f"{hint}use one of the roles ({known})", qid)
        return str(value)

    def check_roles(self, questions: list[Question]) -> None:
        seen: dict[str, str] = {}
        for question in questions:
            if question.role is None:
                continue
            if question.role in seen:
                self.fail(
                    f"a second question with role {question.role!r} (the first is "
                    f"{seen[question.role]!r})",
                    f"give role = {question.role!r} to one question only",
                    question.id,
                )
            seen[question.role] = question.id
        reasons = next((q for q in questions if q.role == "reasons"), None)
        if reasons is None:
            return
        primary = next((q for q in questions if q.outcome is not None and q.outcome.primary), None)
        if reasons.type != "multichoice":
            self.fail(
                f"role 'reasons' on a question of type {reasons.type!r}",
                "give the role to a multichoice question (a team may hear several reasons)",
                reasons.id,
            )
        if primary is None or primary.outcome is None or primary.outcome.kind != "binary":
            self.fail(
                "role 'reasons' without a primary binary outcome",
                'mark the outcome the reasons explain with outcome = { kind = "binary", '
                "favourable = [...], primary = true }",
                reasons.id,
            )
        unfavourable = [v for v in primary.choice_values if v not in primary.outcome.favourable]
        relevant = reasons.relevant
        if (
            relevant is None
            or relevant.question != primary.id
            or not set(relevant.values) <= set(unfavourable)
        ):
            self.fail(
                f"role 'reasons' on a question that is not asked only after an unfavourable "
                f"answer to {primary.id!r}",
                f"add relevant = {{ question = {primary.id!r}, in = [...] }} with values from: "
                f"{', '.join(unfavourable)}",
                reasons.id,
            )

    def special(
        self, data: dict[str, Any], key: str, types: tuple[str, ...], questions: dict[str, Question]
    ) -> str | None:
        qid = data.get(key)
        if qid is None:
            return None
        if not isinstance(qid, str):
            self.fail(
                f"{key} must be a question id, not {_kind(qid)}", f'write {key} = "<question id>"'
            )
        wanted = [q.id for q in questions.values() if q.type in types]
        fix = (
            f"name a question of type {' or '.join(types)}: {', '.join(wanted) or '(none defined)'}"
        )
        if qid not in questions:
            self.fail(f"{key} names unknown question {qid!r}", fix)
        if questions[qid].type not in types:
            self.fail(f"{key} names {qid!r}, a question of type {questions[qid].type!r}", fix, qid)
        return str(qid)
