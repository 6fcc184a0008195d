"""The public section: published releases as a page, a PDF and CSV, for anyone, no sign-in."""
