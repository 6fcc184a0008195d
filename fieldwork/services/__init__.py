"""Services: the app's rules, one package per area, called by the views and the commands.

``studies`` (set-up, waves, targets), ``people`` (users, testers, teams, pairs), ``schedule``
(draw, edits, views, a tester's assignments), ``reports`` (intake, validity, review, unsent-report
import), ``monitoring`` (dashboard, incidents, devices), ``releases`` (and the trend of the
waves), ``export`` (the bundle, the summary bundle), ``retention`` (backup, purge, tester
export); ``audit`` (the append-only log) and ``errors`` serve them all. Views never build
queries inline; services take keyword arguments and a session.
"""
