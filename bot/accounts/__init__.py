"""Staff accounts: sign-in with limits, roles and districts, and the ``users`` commands."""
