"""Study set-up: studies (create, edit, status), their waves, their targets and the target CSV
import."""
