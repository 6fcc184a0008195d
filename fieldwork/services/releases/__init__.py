"""Releases: the city's frozen, disclosure-checked publication of a closed study, and the
trend of the published waves."""
