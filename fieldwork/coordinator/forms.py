"""Forms of the coordinator pages (labels translated lazily)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import DateField
from wtforms import DecimalField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from fieldwork.labels import lazy_choices
from fieldwork.models import ORDER_RULES
from fieldwork.models import PURPOSES
from fieldwork.models import STUDY_DOMAINS
from fieldwork.models import TEAM_ROLES
from fieldwork.services.people.testers import AGE_BANDS
from fieldwork.services.people.testers import GENDERS
from forms.wtf import MultiCheckboxField


def options(items: Iterable[Any]) -> list[SelectChoice]:
    """Select choices from values or (value, label) tuples."""
    return [
        SelectChoice(value=item[0], label=item[1])
        if isinstance(item, tuple)
        else SelectChoice(value=item, label=str(item))
        for item in items
    ]


class CoordinatorForm(FlaskForm):
    """Base form: every field gets a ``render_kw`` dict, which the shared field macro reads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if field.render_kw is None:
                field.render_kw = {}


class ActionForm(CoordinatorForm):
    """A button that changes something: only the CSRF token."""


class StudyForm(CoordinatorForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    domain = SelectField(_l("Domain"), choices=options(lazy_choices("domain", STUDY_DOMAINS)))
    instrument = SelectField(_l("Instrument and version"))
    purpose = SelectField(_l("Purpose"), choices=options(lazy_choices("purpose", PURPOSES)))
    order_rule = SelectField(
        _l("Order rule"), choices=options(lazy_choices("order_rule", ORDER_RULES))
    )
    planned_gap_minutes = IntegerField(
        _l("Planned gap between the teams (minutes)"),
        validators=[InputRequired(), NumberRange(0, 10080)],
    )
    max_interval_minutes = IntegerField(
        _l("Maximum interval for a valid pair (minutes)"),
        validators=[InputRequired(), NumberRange(1, 20160)],
    )
    seed = IntegerField(
        _l("Randomisation seed"), validators=[InputRequired(), NumberRange(0, 2**31)]
    )
    publication_min_cell = IntegerField(
        _l("Publication minimum cell"), validators=[InputRequired(), NumberRange(5, 1000)]
    )
    target_types = StringField(
        _l("Target types"), validators=[Length(max=500)]
    )  # described in the view: the codes to type are shown as code
    target_sample_size = StringField(
        _l("Target sample size per type (valid pairs)"),
        description=_l("e.g. club=40, bar=30"),
        validators=[Length(max=500)],
    )
    planned_p10 = DecimalField(
        _l("Planned share of pairs where only the control group is admitted (p10)"),
        validators=[Optional(), NumberRange(0, 1)],
        places=None,
    )
    planned_p01 = DecimalField(
        _l("Planned share of pairs where only the protected group is admitted (p01)"),
        validators=[Optional(), NumberRange(0, 1)],
        places=None,
    )
    emergency_contact_name = StringField(
        _l("Emergency contact: name"),
        description=_l(
            "Whom testers call when something goes wrong, e.g. the coordinator on duty."
        ),
        validators=[Length(max=100)],
    )
    emergency_contact_phone = StringField(
        _l("Emergency contact: phone number"),
        description=_l("Shown next to 112 on every tester page, as a button that calls it."),
        validators=[Length(max=32)],
        render_kw={"type": "tel", "autocomplete": "off"},
    )


class StatusForm(CoordinatorForm):
    status = SelectField(choices=options(lazy_choices("study_status", ("fieldwork", "closed"))))


class ReopenForm(CoordinatorForm):
    reason = TextAreaField(
        _l("Why is the study reopened?"),
        description=_l("Kept in the audit trail. Testers can send and amend reports again."),
        validators=[DataRequired(), Length(min=10, max=1000)],
    )


class TargetForm(CoordinatorForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    target_type = SelectField(_l("Type"))
    area = StringField(_l("Area"), validators=[DataRequired(), Length(max=64)])
    active = BooleanField(_l("Active (may be scheduled)"))


class ImportForm(CoordinatorForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class UnsentImportForm(CoordinatorForm):
    file = FileField(
        _l("File of unsent reports (.json)"),
        description=_l("The file a tester saved with 'Export unsent reports' on their phone."),
        validators=[FileRequired()],
    )


class ImportConfirmForm(CoordinatorForm):
    content = TextAreaField(validators=[DataRequired()])


class TesterForm(CoordinatorForm):
    code = StringField(_l("Code (pseudonym)"), validators=[DataRequired(), Length(max=16)])
    group = SelectField(_l("Group"), choices=options(lazy_choices("team_role", TEAM_ROLES)))
    gender = SelectField(
        _l("Gender (at the door)"), choices=options(lazy_choices("gender", GENDERS))
    )
    age_band = SelectField(_l("Age band"), choices=options(AGE_BANDS))
    language = StringField(_l("Language used at the door"), validators=[Length(max=32)])
    username = SelectField(_l("Tester account"), validate_choice=False)
    active = BooleanField(_l("Active"), default=True)


class TeamForm(CoordinatorForm):
    code = StringField(_l("Team code"), validators=[DataRequired(), Length(max=16)])
    role = SelectField(_l("Role"), choices=options(lazy_choices("team_role", TEAM_ROLES)))


def _night(label: Any, description: Any) -> DateField:
    """The night a membership starts, required."""
    return DateField(label, description=description, validators=[InputRequired()])


class MemberForm(CoordinatorForm):
    tester_id = SelectField(_l("Tester"), coerce=int, validate_choice=False)
    on = _night(
        _l("Member from the night of"), _l("The first night the tester goes out with this team.")
    )


class MoveMemberForm(CoordinatorForm):
    tester_id = SelectField(_l("Tester (now in another team)"), coerce=int, validate_choice=False)
    on = _night(
        _l("In this team from the night of"),
        _l("Earlier nights stay with the old team, so their reports keep their team."),
    )
    reason = TextAreaField(_l("Reason for the move"), validators=[DataRequired(), Length(max=500)])


class EndMembershipForm(CoordinatorForm):
    on = DateField(_l("No longer in the team from the night of"), validators=[InputRequired()])


class PairForm(CoordinatorForm):
    code = StringField(_l("Pair code"), validators=[DataRequired(), Length(max=16)])
    protected_team_id = SelectField(
        _l("Protected team (or first sham team)"), coerce=int, validate_choice=False
    )
    control_team_id = SelectField(
        _l("Control team (or second sham team)"), coerce=int, validate_choice=False
    )
    sham = BooleanField(_l("Sham pair (two teams of the same group)"))
    accept_differences = BooleanField(_l("Pair them anyway, despite the differences listed"))


class ScheduleForm(CoordinatorForm):
    nights = StringField(
        _l("Nights"),
        description=_l("Dates of the evenings, comma-separated: 2026-12-04, 2026-12-05"),
        validators=[DataRequired(), Length(max=2000)],
    )
    window_start = TimeField(_l("Window starts"), validators=[InputRequired()])
    window_end = TimeField(
        _l("Window ends"),
        description=_l("Before the start: the window runs past midnight."),
        validators=[InputRequired()],
    )
    slot_minutes = IntegerField(
        _l("Slot per visit (minutes)"),
        default=30,
        validators=[InputRequired(), NumberRange(5, 1440)],
    )
    visits_per_target = IntegerField(
        _l("Visits per target"), default=1, validators=[InputRequired(), NumberRange(1, 10)]
    )
    pair_ids = MultiCheckboxField(_l("Pairs"), coerce=int, validate_choice=False)
    target_ids = MultiCheckboxField(_l("Targets"), coerce=int, validate_choice=False)
    retest = BooleanField(_l("Retest: targets visited before may be visited again"))
    fingerprint = StringField(validators=[Optional(), Length(max=64)])


class MoveForm(CoordinatorForm):
    protected_at = TimeField(_l("Protected team's time"), validators=[InputRequired()])
    control_at = TimeField(_l("Control team's time"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class CancelForm(CoordinatorForm):
    # Its own id: the move form on the same page has a "reason" too (the name stays "reason").
    reason = TextAreaField(
        _l("Reason for cancelling"),
        id="cancel_reason",
        validators=[DataRequired(), Length(max=500)],
    )


class ReviewStateForm(CoordinatorForm):
    state = SelectField(_l("New state"), choices=[])
    message_protected = TextAreaField(
        _l("Message to the protected team"), validators=[Length(max=2000)]
    )
    message_control = TextAreaField(
        _l("Message to the control team"), validators=[Length(max=2000)]
    )


class OverrideForm(CoordinatorForm):
    verdict = SelectField(
        _l("Verdict"),
        choices=options(
            [
                ("", _l("— choose —")),
                ("valid", _l("valid")),
                ("invalid", _l("invalid")),
                ("clear", _l("remove override")),
            ]
        ),
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class HandleIncidentForm(CoordinatorForm):
    note = TextAreaField(
        _l("What was done"),
        description=_l("E.g. 'Called the tester, team went home safely.' No names of people."),
        validators=[DataRequired(), Length(min=3, max=1000)],
    )
