"""People and teams: user accounts, testers and teams, pairs with the matching check."""
