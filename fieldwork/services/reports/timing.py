"""When a report was made: the moment the tester pressed submit, by the server's clock.

A phone may keep a report for hours before it reaches the server (no signal at the door), so the
receive time says when the network came back, not when the tester reported. The phone sends the
moment of submitting by its own clock (``submitted_at``) and, at sending, its clock again
(``device_time``): their difference to the server's receive time is the phone's clock skew, and
correcting the submit moment by that skew gives the moment by the server's clock. Rules that
judge lateness (the report-late rule of monitoring) use :func:`submitted_moment`.
"""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from fieldwork.models import Test
from fieldwork.models import VisitReport


def submitted_moment(report: VisitReport) -> datetime:
    """The moment the tester pressed submit, by the server's clock; the receive time when the
    phone did not say (the HTML form without JavaScript). Never later than the receive time."""
    if report.submitted_on_device_at is None:
        return report.received_at
    moment = report.submitted_on_device_at - timedelta(seconds=report.clock_skew_seconds or 0)
    return min(moment, report.received_at)


def is_late(report: VisitReport, test: Test) -> bool:
    """Whether the report was made after the test's window (or deadline) ended."""
    return submitted_moment(report) > test.window_end
