"""Reminders: delivering the due reminders of a sweep, by SMS or handed over to a call,
and the ``reminders`` commands."""
