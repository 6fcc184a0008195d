"""Study set-up: studies (create, edit, status), their targets and the target CSV import."""
