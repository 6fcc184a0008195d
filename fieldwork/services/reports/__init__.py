"""Reports and review: intake of visit reports, the validity rule engine, pair review, and the import of reports a phone could not send."""
