"""The schedule: the randomised draw, the coordinator's edits, the stored schedule as pages show it, and what a tester may see of it."""
