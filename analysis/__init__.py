"""Matched-pair statistics for mystery-guest studies (never imports Flask)."""
