"""The instrument data model: frozen dataclasses built by `forms.schema.parse_instrument`.

Nothing here checks its input; `parse_instrument` is the one gate from TOML to these objects.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

QUESTION_TYPES = (
    "text",
    "integer",
    "decimal",
    "choice",
    "multichoice",
    "boolean",
    "time",
    "datetime",
)
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
CHOICE_TYPES = ("choice", "multichoice")
# What a question means to the publication (`role = "..."` in the TOML), with what it needs.
ROLES = {
    "reasons": "the reasons given when the primary outcome was unfavourable (the release's "
    "table of reasons): a multichoice question shown only for unfavourable answers",
}
NUMERIC_TYPES = ("integer", "decimal")

# Booleans are stored as JSON true/false; relevance and outcomes refer to them as these strings.
BOOLEAN_VALUES = ("true", "false")
BOOLEAN_LABELS: Mapping[str, Mapping[str, str]] = {
    "true": {"nl": "Ja", "en": "Yes"},
    "false": {"nl": "Nee", "en": "No"},
}


class InstrumentError(ValueError):
    """A broken instrument definition; the message names the file, the question and the fix."""

    source: str | None = None
    question: str | None = None

    @classmethod
    def at(
        cls, source: str, problem: str, fix: str, *, question: str | None = None
    ) -> InstrumentError:
        """Build the error with the standard message ``<file>: question '<id>': <problem>. Fix: <fix>``."""
        where = f"{source}: question {question!r}: " if question else f"{source}: "
        error = cls(f"{where}{problem}. Fix: {fix}")
        error.source = source
        error.question = question
        return error


def text_in(texts: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, falling back to Dutch."""
    return texts.get(lang) or texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Choice:
    value: str
    label: Mapping[str, str]

    def label_in(self, lang: str) -> str:
        return text_in(self.label, lang)


@dataclass(frozen=True)
class Relevance:
    """Skip logic: the question applies only when `question` was answered with one of `values`."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """How the analysis reads a question: binary (favourable values) or continuous (adverse direction).

    `given` (continuous only): the value exists only when an earlier answer has one of these
    values (an entrance fee only for a team let in); the comparison is conditional on both teams.
    `equivalent`: other instrument versions (``id@version``) whose question of the same id
    measures the same thing, so that a comparison across studies may pool them.
    """

    kind: str
    favourable: tuple[str, ...] = ()
    adverse: str | None = None
    primary: bool = False
    given: Relevance | None = None
    equivalent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: Mapping[str, str]
    required: bool = False
    help: Mapping[str, str] | None = None
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    relevant: Relevance | None = None
    outcome: Outcome | None = None
    role: str | None = None

    def label_in(self, lang: str) -> str:
        return text_in(self.label, lang)

    def help_in(self, lang: str) -> str | None:
        return text_in(self.help, lang) if self.help else None

    @property
    def choice_values(self) -> tuple[str, ...]:
        """Allowed values: the choices' values, or ``("true", "false")`` for a boolean."""
        if self.type == "boolean":
            return BOOLEAN_VALUES
        return tuple(choice.value for choice in self.choices)

    def choice_label(self, value: str, lang: str) -> str:
        """The label of one choice value (booleans: ``"true"``/``"false"`` -> Ja/Nee, Yes/No)."""
        if self.type == "boolean" and value in BOOLEAN_LABELS:
            return text_in(BOOLEAN_LABELS[value], lang)
        for choice in self.choices:
            if choice.value == value:
                return choice.label_in(lang)
        allowed = ", ".join(self.choice_values) or "(none)"
        raise KeyError(f"question {self.id!r} has no choice {value!r}; its choices are: {allowed}")


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    domain: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    arrival_question: str | None = None
    deviation_question: str | None = None
    source: str = "<string>"
    text: str = field(default="", repr=False)
    _by_id: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {question.id: question for question in self.questions})

    def title_in(self, lang: str) -> str:
        return text_in(self.title, lang)

    @functools.cached_property  # an instrument does not change; the intake asks every report
    def fingerprint(self) -> str:
        """SHA-256 of what the instrument says: its TOML data, so comments and layout do not count
        but every question, choice, label, rule and outcome does. Once reports exist, the app
        refuses a version whose fingerprint changed (fieldwork.services.studies.instruments).
        An instrument built in code (no TOML text) is fingerprinted by its repr."""
        content = json.dumps(tomllib.loads(self.text), sort_keys=True) if self.text else repr(self)
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    def question(self, qid: str) -> Question:
        try:
            return self._by_id[qid]
        except KeyError:
            known = ", ".join(self._by_id)
            raise KeyError(
                f"instrument {self.id!r} v{self.version} has no question {qid!r}; "
                f"its questions are: {known}"
            ) from None

    def with_role(self, role: str) -> Question | None:
        """The question that has `role` (see ``ROLES``), or None."""
        return next((question for question in self.questions if question.role == role), None)

    def outcomes(self) -> list[Question]:
        return [question for question in self.questions if question.outcome is not None]

    def primary_outcome(self) -> Question | None:
        for question in self.outcomes():
            if question.outcome is not None and question.outcome.primary:
                return question
        return None

    def is_relevant(self, question: Question | str, answers: Mapping[str, Any]) -> bool:
        """Whether `question` applies, given cleaned `answers` (a chain of skip logic is followed)."""
        if isinstance(question, str):
            question = self.question(question)
        relevance = question.relevant
        if relevance is None:
            return True
        controller = self.question(relevance.question)
        if not self.is_relevant(controller, answers):
            return False
        return any(
            token in relevance.values for token in _answer_tokens(answers.get(controller.id))
        )


def _answer_tokens(value: Any) -> list[str]:
    """An answer as the strings relevance compares against (booleans as "true"/"false")."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [token for item in value for token in _answer_tokens(item)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]
