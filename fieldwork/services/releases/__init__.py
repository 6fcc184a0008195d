"""Releases: the city's frozen, disclosure-checked publication of a closed study."""
