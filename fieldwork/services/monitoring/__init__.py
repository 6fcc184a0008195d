"""Monitoring a study in the field: the dashboard's numbers, incidents, and the devices' unsent-report counts."""
