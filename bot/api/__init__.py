"""The JSON API for district teams (bearer tokens)."""
