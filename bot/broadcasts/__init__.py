"""Broadcasts: community messages to an audience, from draft to sent, and their commands."""
