"""Every word app.js shows on the phone, in one table: served inside app.js in the page's
language (``/static/app.js?v=…&lang=nl``), so the phone downloads them once with the script
instead of with every page. ``{n}`` is filled in by app.js."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

PHONE_TEXTS = {
    "one": _l("1 report not yet sent"),
    "many": _l("{n} reports not yet sent"),
    "attention": _l("Reports that need your attention"),
    "othersOne": _l("1 report of another tester waits on this phone"),
    "othersMany": _l("{n} reports of another tester wait on this phone"),
    "othersHelp": _l(
        "They are locked: only the tester who wrote them can send them, when they sign in here "
        "again."
    ),
    "stateUnsent": _l("Not yet sent"),
    "stateConflict": _l("Not accepted as a new report"),
    "stateInvalid": _l("Some answers need attention"),
    "stateBlocked": _l("Could not be sent"),
    "stateRefused": _l("Refused by the server; export it for your coordinator"),
    "queued": _l(
        "Saved on this phone, not yet sent. It is sent by itself as soon as there is a connection."
    ),
    "sending": _l("Sending…"),
    "sent": _l("Sent. Your report is saved and locked."),
    "sentAt": _l("Sent {n}"),
    "view": _l("View report"),
    "offline": _l("No connection. Trying again by itself."),
    "failed": _l("The server did not accept it yet. Trying again by itself."),
    "invalid": _l("Some answers need attention. Nothing was sent yet."),
    "required": _l("This question needs an answer."),
    "restored": _l("Your draft is back: the answers you gave before are filled in."),
    "incidentQueued": _l(
        "Saved on this phone, not yet sent: there is no connection. It is sent by itself as soon "
        "as there is one. In danger? Call 112."
    ),
    "dismiss": _l("Understood, remove from this phone"),
    "sendNow": _l("Send now"),
    "export": _l("Export unsent reports"),
    "unsentHelp": _l(
        "They are sent by themselves when there is a connection. If that keeps failing, export "
        "them and give the file to your coordinator."
    ),
    "signoutOne": _l("1 of your reports is not sent yet."),
    "signoutMany": _l("{n} of your reports are not sent yet."),
    "signoutHelp": _l(
        "If you sign out, they stay on this phone, locked: only you can send them, when you sign "
        "in here again. Or export them now for your coordinator."
    ),
    "stay": _l("Stay signed in"),
    "exportThem": _l("Export them"),
    "signoutAnyway": _l("Sign out anyway"),
    "waitingLong": _l(
        "A report has waited on this phone for more than a day. Open the app where there is a "
        "connection, or export it (above) for your coordinator: a browser may delete a site's "
        "data after a week without a visit."
    ),
    "offlineMissing": _l(
        "That page is not saved on this phone, and there is no connection now. Here are your "
        "tests; reports in the outbox are safe."
    ),
    "offlineReady": _l("This phone keeps your tests for use without a connection."),
    "installHint": _l(
        "Tip: add this app to your home screen (browser menu, 'Add to Home screen'). Then your "
        "phone keeps unsent reports safe, also when the browser clears its storage."
    ),
}


def phone_texts(language: str) -> dict[str, str]:
    """The table in ``language`` (one of the app's LANGUAGES)."""
    with force_locale(language):
        return {key: str(value) for key, value in PHONE_TEXTS.items()}
