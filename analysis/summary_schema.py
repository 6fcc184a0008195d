"""The JSON Schema of the summary bundle (``mysteryguest-summary`` version 1), defined once.

``docs/summary-bundle.schema.json`` is this dict written out (a test keeps the two equal), so that
other cities' tools can validate a file without this package. It is a draft-07 schema (every
common validator reads it); :mod:`analysis.summary` checks files with ``fastjsonschema``, which
compiles it to Python and validates a city's file in milliseconds.
"""

from __future__ import annotations

import json
from typing import Any

FORMAT, VERSION = "mysteryguest-summary", 1
MONTH = "^[0-9]{4}-(0[1-9]|1[0-2])$"
IDENTIFIER = "^[a-z][a-z0-9_]*$"
INSTRUMENT_ID = "^[a-z][a-z0-9-]*$"
PSEUDONYM = "^[0-9a-f]{20}$"

SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$id": "urn:mysteryguest:summary-bundle:1",
    "title": "mysteryguest summary bundle, version 1",
    "description": (
        "Per-target counts of the binary outcomes of one study (one city, one wave): for every "
        "target pseudonym, its type and area and, per outcome, the paired table (a, b, c, d) of "
        "its valid pairs: a both teams favourable, b only the control team, c only the protected "
        "team, d neither. No names, addresses, target or tester codes, no dates finer than a "
        "month, no free text."
    ),
    "type": "object",
    "required": [
        "format",
        "version",
        "city",
        "study",
        "instrument",
        "period",
        "outcomes",
        "targets",
    ],  # fmt: skip
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "city": {"type": "string", "minLength": 1, "maxLength": 100},
        "study": {
            "type": "object",
            "required": ["code", "title", "domain"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "minLength": 1, "maxLength": 40},
                "title": {"type": "string", "maxLength": 200},
                "domain": {"enum": ["nightlife", "housing"]},
                "wave": {"type": "integer", "minimum": 1},
            },
        },
        "instrument": {
            "type": "object",
            "required": ["id", "version"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": INSTRUMENT_ID},
                "version": {"type": "integer", "minimum": 1},
            },
        },
        "period": {
            "description": "first and last month of fieldwork",
            "type": "object",
            "required": ["from", "to"],
            "additionalProperties": False,
            "properties": {
                "from": {"type": "string", "pattern": MONTH},
                "to": {"type": "string", "pattern": MONTH},
            },
        },
        "outcomes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "kind", "primary"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": IDENTIFIER},
                    "kind": {"const": "binary"},
                    "primary": {"type": "boolean"},
                    "equivalent": {
                        "description": "instrument versions (id@version) whose question of the "
                        "same id measures the same thing, as declared in the instrument file",
                        "type": "array",
                        "items": {"type": "string", "pattern": "^[a-z][a-z0-9-]*@[1-9][0-9]*$"},
                    },
                },
            },
        },
        "targets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["target", "target_type", "counts"],
                "additionalProperties": False,
                "properties": {
                    "target": {
                        "description": "keyed hash of the target code with the city's secret",
                        "type": "string",
                        "pattern": PSEUDONYM,
                    },
                    "target_type": {"type": "string", "pattern": IDENTIFIER, "maxLength": 60},
                    "area": {"type": ["string", "null"], "maxLength": 60},
                    "counts": {
                        "description": "outcome id -> [a, b, c, d] among the target's valid pairs",
                        "type": "object",
                        "propertyNames": {"pattern": IDENTIFIER},
                        "additionalProperties": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 0},
                            "minItems": 4,
                            "maxItems": 4,
                        },
                    },
                },
            },
        },
        "software": {"type": "string", "maxLength": 100},
    },
}


def schema_text() -> str:
    """The schema as written to docs/summary-bundle.schema.json."""
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"
