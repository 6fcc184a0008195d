"""Backups, the retention purge and the tester's access export (GDPR)."""
