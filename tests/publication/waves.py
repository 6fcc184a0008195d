"""A second wave with fieldwork, for the tests of waves (issue 16).

:func:`next_wave_with_fieldwork` makes the next wave of a study through the service the
coordinator uses (:func:`fieldwork.services.studies.setup.create_study` with ``previous_wave``:
the targets are carried over with their codes) and gives it the fieldwork of the earlier wave a
year later: the same testers (their accounts), teams, pairs and tests, moved by 52 weeks (the same
weekdays), with the same reports; in some pairs where only the comparison team was let in the
two teams' answers are swapped, so the later wave shows a smaller effect. Other tests are
cancelled where asked (to make a line of the later release too small to publish).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session
from sqlmodel import col
from sqlmodel import select

from fieldwork.models import Amendment
from fieldwork.models import Pair
from fieldwork.models import PairReview
from fieldwork.models import Study
from fieldwork.models import Target
from fieldwork.models import Team
from fieldwork.models import TeamMember
from fieldwork.models import Test
from fieldwork.models import Tester
from fieldwork.models import User
from fieldwork.models import VisitReport
from fieldwork.services.studies.setup import StudyInput
from fieldwork.services.studies.setup import create_study

A_YEAR_LATER = timedelta(weeks=52)


def next_wave_with_fieldwork(
    session: Session, previous: Study, *, code: str, user: User, swap_every: int = 2,
    cancel: Callable[[Target], bool] = lambda target: False, shift: timedelta = A_YEAR_LATER,
) -> Study:  # fmt: skip
    """The next wave of ``previous`` (through the service), with its fieldwork moved by
    ``shift``: every ``swap_every``-th pair where only the comparison team was let in has its
    two reports' answers swapped (arrival times stay), and the tests at targets for which
    ``cancel`` is true are cancelled."""
    data = StudyInput(
        code=code, title=f"{previous.title} (next wave)", domain=previous.domain,
        instrument_id=previous.instrument_id, instrument_version=previous.instrument_version,
        purpose=previous.purpose, order_rule=previous.order_rule,
        planned_gap_minutes=previous.planned_gap_minutes,
        max_interval_minutes=previous.max_interval_minutes, seed=previous.seed + 1,
        publication_min_cell=previous.publication_min_cell,
        target_types=list(previous.target_types),
        target_sample_size=dict(previous.target_sample_size),
    )  # fmt: skip
    study = create_study(session=session, data=data, user=user, previous_wave=previous)
    study.status = "fieldwork"
    targets = {t.code: t for t in session.exec(select(Target).where(Target.study_id == study.id))}
    old_targets = {
        t.id: t for t in session.exec(select(Target).where(Target.study_id == previous.id))
    }
    testers: dict[int, int] = {}
    for tester in session.exec(select(Tester).where(Tester.study_id == previous.id)):
        copy = Tester(study_id=study.id, code=tester.code, user_id=tester.user_id,
                      group=tester.group, gender=tester.gender, age_band=tester.age_band,
                      language=tester.language, active=tester.active)  # fmt: skip
        session.add(copy)
        session.flush()
        testers[tester.id] = copy.id
    teams: dict[int, int] = {}
    for team in session.exec(select(Team).where(Team.study_id == previous.id)):
        copy_team = Team(study_id=study.id, code=team.code, role=team.role)
        session.add(copy_team)
        session.flush()
        teams[team.id] = copy_team.id
        for member in session.exec(select(TeamMember).where(TeamMember.team_id == team.id)):
            session.add(TeamMember(
                team_id=copy_team.id, tester_id=testers[member.tester_id],
                joined_on=member.joined_on + shift if member.joined_on else None,
                left_on=member.left_on + shift if member.left_on else None, reason=member.reason,
            ))  # fmt: skip
    pairs: dict[int, int] = {}
    for pair in session.exec(select(Pair).where(Pair.study_id == previous.id)):
        copy_pair = Pair(study_id=study.id, code=pair.code, sham=pair.sham,
                         protected_team_id=teams[pair.protected_team_id],
                         control_team_id=teams[pair.control_team_id])  # fmt: skip
        session.add(copy_pair)
        session.flush()
        pairs[pair.id] = copy_pair.id
    discordant = 0
    tests = session.exec(select(Test).where(Test.study_id == previous.id).order_by(col(Test.id)))
    for test in tests.all():
        target = targets[old_targets[test.target_id].code]
        copy_test = Test(
            study_id=study.id, pair_id=pairs[test.pair_id], target_id=target.id,
            night=test.night + shift, window_start=test.window_start + shift,
            window_end=test.window_end + shift, first_role=test.first_role,
            planned_protected=test.planned_protected + shift,
            planned_control=test.planned_control + shift, block=test.block, retest=test.retest,
            status="cancelled" if cancel(target) else test.status,
            cancel_reason="moved out of this wave" if cancel(target) else test.cancel_reason,
        )  # fmt: skip
        session.add(copy_test)
        session.flush()
        reports = {
            r.role: r
            for r in session.exec(select(VisitReport).where(VisitReport.test_id == test.id))
        }
        answers = {role: dict(report.answers) for role, report in reports.items()}
        if set(answers) == {"protected", "control"} and (
            answers["control"].get("admitted") == "yes"
            and answers["protected"].get("admitted") != "yes"
        ):
            discordant += 1
            if discordant % swap_every == 0:
                protected, control = answers["protected"], answers["control"]
                answers["protected"] = {**control, "arrival_time": protected.get("arrival_time")}
                answers["control"] = {**protected, "arrival_time": control.get("arrival_time")}
        for role, report in reports.items():
            copy_report = VisitReport(
                uuid=str(uuid.uuid4()), test_id=copy_test.id, team_id=teams[report.team_id],
                role=role, instrument_id=report.instrument_id,
                instrument_version=report.instrument_version, answers=answers[role],
                device_time=report.device_time + shift if report.device_time else None,
                received_at=report.received_at + shift,
                clock_skew_seconds=report.clock_skew_seconds,
                clock_skew_flag=report.clock_skew_flag, elapsed_seconds=report.elapsed_seconds,
                submitted_by_id=report.submitted_by_id, status=report.status, locked=True,
            )  # fmt: skip
            session.add(copy_report)
            session.flush()
            for amendment in session.exec(
                select(Amendment).where(Amendment.report_id == report.id)
            ):
                session.add(Amendment(report_id=copy_report.id, changes=dict(amendment.changes),
                                      reason=amendment.reason,
                                      created_by_id=amendment.created_by_id))  # fmt: skip
        review = session.exec(select(PairReview).where(PairReview.test_id == test.id)).first()
        if review is not None:
            session.add(PairReview(test_id=copy_test.id, override_valid=review.override_valid,
                                   override_reason=review.override_reason, state=review.state,
                                   computed_valid=review.computed_valid,
                                   computed_reasons=list(review.computed_reasons)))  # fmt: skip
    session.commit()
    return study
