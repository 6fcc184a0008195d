"""Data leaving the app for analysis: the export bundle."""
