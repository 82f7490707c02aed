"""voting: the service — sessions, votes, ballot cards, ballot box, persistence, API, CLI."""
