"""Arbitrary input (hypothesis) to the intake API, the report form, the CSV import and the sign-in:
never a 5xx, never a partial row, always a message that names the problem."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlmodel import func
from sqlmodel import select

from fieldwork.db import get_session
from fieldwork.models import ReportConflict
from fieldwork.models import Target
from fieldwork.models import VisitReport
from tests.support import PASSWORD
from tests.support import csrf_from

EXAMPLES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is not flaky
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUESTIONS = [
    "arrival_time", "admitted", "refusal_stage", "refusal_reasons", "reason_verbatim",
    "asked_reason", "house_rules_visible", "id_asked", "fee_eur", "wait_minutes",
    "queue_length", "staff_tone", "physical_contact", "deviations", "notes",
]  # fmt: skip
REPORT_KEYS = ["uuid", "test_id", "instrument", "instrument_version", "answers", "device_time",
               "elapsed_seconds"]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Values that look almost right: the usual way a buggy client or a tampered request goes wrong.
near_answers = st.dictionaries(
    st.sampled_from(QUESTIONS) | st.text(max_size=8),
    st.sampled_from(["yes", "no", "conditional", "23:05", "friendly", "full", ""])
    | st.lists(st.sampled_from(["full", "age", "dress_code", "x"]), max_size=3)
    | json_values,
    max_size=8,
)


def _counts(app) -> tuple[int, int, int]:
    with app.app_context():
        session = get_session()
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (VisitReport, ReportConflict, Target)
        )


def _names_a_problem(response) -> bool:
    """The answer says what is wrong: JSON ``message``/``errors``, or on a page an error list,
    a problems table or an error flash (each of them holds the sentence naming the problem)."""
    if response.is_json:
        body = response.get_json()
        return bool(body.get("message") or body.get("errors"))
    html = response.get_data(as_text=True)
    markers = ('class="errors"', 'class="problems"', 'role="alert"')
    error_page = response.status_code in {400, 413, 429} and "<h1>" in html
    return error_page or any(marker in html for marker in markers)


@pytest.fixture
def tester_client(client, auth, world):
    auth.login("t01")
    token = csrf_from(client.get("/tester/").get_data(as_text=True))
    return client, token


@EXAMPLES
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "uuid": st.uuids().map(str) | json_values,
                "test_id": st.sampled_from([1, 2, 3, 10**12, -1]) | json_values,
                "instrument": st.just("nightlife-door") | json_values,
                "instrument_version": st.just(1) | json_values,
                "answers": near_answers | json_values,
                "device_time": st.datetimes().map(lambda d: d.isoformat() + "+02:00") | json_values,
                "elapsed_seconds": st.integers() | json_values,
                "extra": json_values,
            },
        ),
    )
)
def test_intake_api_never_fails_on_arbitrary_json(app, tester_client, world, body):
    client, token = tester_client
    if isinstance(body, dict) and body.get("test_id") in (1, 2, 3) and type(body["test_id"]) is int:
        body["test_id"] = [world.test_p1, world.test_p2, world.test_p1_upcoming][
            body["test_id"] - 1
        ]
    before = _counts(app)
    response = client.post(
        "/api/reports", data=json.dumps(body), content_type="application/json",
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    after = _counts(app)
    assert response.status_code in {200, 201, 400, 404, 409, 422}, response.get_data(as_text=True)
    if response.status_code == 201:
        assert after[0] == before[0] + 1 and after[1] == before[1]
    elif response.status_code == 409:
        assert after[0] == before[0] and after[1] in {before[1], before[1] + 1}
    else:
        assert after == before
    if response.status_code >= 400:
        assert _names_a_problem(response), response.get_data(as_text=True)


@EXAMPLES
@given(raw=st.binary(max_size=200))
def test_intake_api_never_fails_on_arbitrary_bytes(app, tester_client, raw):
    client, token = tester_client
    before = _counts(app)
    response = client.post(
        "/api/reports", data=raw, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code in {400, 422}
    assert _names_a_problem(response)
    assert _counts(app) == before


form_values = st.text(max_size=40) | st.sampled_from(["yes", "no", "23:05", "12", "on", "full"])


@EXAMPLES
@given(
    fields=st.dictionaries(st.sampled_from(QUESTIONS + ["elapsed_seconds"]), form_values),
    report_uuid=st.uuids().map(str) | st.text(max_size=40),
)
def test_report_form_never_fails_on_arbitrary_fields(
    app, tester_client, world, fields, report_uuid
):
    client, token = tester_client
    before = _counts(app)
    response = client.post(
        f"/tester/tests/{world.test_p1}/report",
        data={**fields, "report_uuid": report_uuid, "csrf_token": token},
    )
    after = _counts(app)
    assert response.status_code in {303, 400, 422}, response.get_data(as_text=True)
    if response.status_code == 303:
        assert after[0] - before[0] + after[1] - before[1] <= 1
    else:
        assert after == before
        assert _names_a_problem(response)


csv_cells = st.text(max_size=20) | st.sampled_from(["club", "bar", "V-1", "Centrum", ""])
csv_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.lists(csv_cells, min_size=0, max_size=6), max_size=6).map(
        lambda rows: (
            "code,name,address,target_type,area\n" + "\n".join(",".join(row) for row in rows)
        )
    ),
)


@pytest.fixture
def coordinator_client(client, auth, world):
    auth.login("coord")
    token = csrf_from(client.get("/coordinator/").get_data(as_text=True))
    return client, token


@settings(EXAMPLES, max_examples=60)
@given(content=csv_texts)
def test_csv_import_of_arbitrary_text_never_fails(app, coordinator_client, world, content):
    client, token = coordinator_client
    before = _counts(app)[2]
    response = client.post(
        f"/coordinator/studies/{world.study_id}/targets/import",
        data={"content": content, "csrf_token": token},
    )
    after = _counts(app)[2]
    assert response.status_code in {302, 303, 400, 422}, response.get_data(as_text=True)
    if response.status_code in {400, 422}:  # 400: a NUL character, refused before the view
        assert after == before
        assert _names_a_problem(response)
    elif response.location.endswith("/targets/import"):  # refused before the dry run
        assert after == before
        assert _names_a_problem(client.get(response.location))
    else:
        assert after > before
        with app.app_context():  # keep the study small for the next example
            session = get_session()
            for target in session.exec(select(Target).where(Target.id > 2)).all():
                session.delete(target)
            session.commit()


MUTATIONS = ("blank_code", "blank_name", "unknown_type", "duplicate_code", "existing_code",
             "formula_name", "missing_column", "extra_field")  # fmt: skip
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,\"'éëï", min_size=1, max_size=20).filter(
    lambda name: name.strip() != ""
)
target_files = st.tuples(
    st.lists(
        st.tuples(names, st.sampled_from(["club", "bar", "cafe", "other"]),
                  st.sampled_from(["Centrum", "Scheveningen", "Segbroek"])),
        min_size=1, max_size=5,
    ),
    st.none() | st.sampled_from(MUTATIONS),  # half the files clean, half with one fault
    st.integers(min_value=0, max_value=4),
)  # fmt: skip


def target_csv(rows: list[tuple[str, str, str]], mutation: str | None, at: int) -> str:
    """A targets file with distinct new codes; ``mutation`` breaks row ``at`` (or the header)."""
    header = ["code", "name", "address", "target_type", "area"]
    lines = [[f"N-{index:03d}", name, "Plein 1", kind, area]
             for index, (name, kind, area) in enumerate(rows)]  # fmt: skip
    row = lines[at % len(lines)]
    if mutation == "blank_code":
        row[0] = ""
    elif mutation == "blank_name":
        row[1] = " "
    elif mutation == "unknown_type":
        row[3] = "casino"
    elif mutation == "duplicate_code":
        lines.append([row[0], "Tweede", "", "bar", "Centrum"])
    elif mutation == "existing_code":
        row[0] = "V-001"  # the world's study has it already
    elif mutation == "formula_name":
        row[1] = "=HYPERLINK(1)"
    elif mutation == "missing_column":
        header.pop()  # no area column: every row has a field too many as well
    elif mutation == "extra_field":
        row.append("x")
    out = io.StringIO()
    csv.writer(out).writerows([header, *lines])
    return out.getvalue()


def test_csv_import_is_all_or_nothing(app, coordinator_client, world):
    """Clean generated files are imported whole; the same files with one fault import nothing and
    say what is wrong. Both outcomes must occur often, or the property proves nothing."""
    client, token = coordinator_client
    client.set_cookie("lang", "en")  # the flash in the source language
    imported: list[bool] = []

    @EXAMPLES
    @given(generated=target_files)
    def check(generated):
        rows, mutation, at = generated
        before = _counts(app)[2]
        response = client.post(
            f"/coordinator/studies/{world.study_id}/targets/import",
            data={"content": target_csv(rows, mutation, at), "csrf_token": token},
        )
        after = _counts(app)[2]
        if mutation is None:
            assert response.status_code in {302, 303}, response.get_data(as_text=True)
            assert after - before == len(rows)
            with app.app_context():  # keep the study small for the next example
                session = get_session()
                for target in session.exec(select(Target).where(Target.code.startswith("N-"))):
                    session.delete(target)
                session.commit()
        else:
            assert response.status_code == 422, (mutation, response.status_code)
            assert after == before
            assert "nothing was imported" in response.get_data(as_text=True)
            assert _names_a_problem(response)
        imported.append(mutation is None)

    check()
    assert 0.25 <= sum(imported) / len(imported) <= 0.75, f"{sum(imported)} of {len(imported)}"


@EXAMPLES
@given(raw=st.binary(max_size=300))
def test_csv_upload_dry_run_never_fails_on_arbitrary_bytes(app, coordinator_client, world, raw):
    import io

    client, token = coordinator_client
    before = _counts(app)[2]
    response = client.post(
        f"/coordinator/studies/{world.study_id}/targets/import",
        data={"file": (io.BytesIO(raw), "targets.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code in {200, 422}, response.get_data(as_text=True)
    assert _counts(app)[2] == before
    if response.status_code == 422:
        assert _names_a_problem(response)


# Every example costs an argon2 check (cheap in the tests: tests/conftest.py).
@settings(EXAMPLES)
@given(
    username=st.text(max_size=80) | st.sampled_from(["t01", "coord", "T01", " t01 "]),
    password=st.text(max_size=300) | st.just(PASSWORD),
)
def test_login_never_fails_on_arbitrary_credentials(app, client, world, username, password):
    # Every example reaches the password check (the throttle has its own tests).
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000/minute"
    app.config["LOGIN_FREE_FAILURES"] = 10**6
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code in {302, 400, 401, 422}, response.get_data(as_text=True)
    if response.status_code == 302:
        client.post("/logout", data={"csrf_token": token})
    else:
        assert _names_a_problem(response)


def test_a_uuid_is_a_uuid():  # the strategies above rely on this spelling
    assert str(uuid.UUID(int=1)).count("-") == 4
