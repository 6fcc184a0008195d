"""Data leaving the app for analysis: the export bundle and the summary bundle."""
