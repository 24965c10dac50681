"""Campaigns: loading campaign files, planning their announcements, and their commands."""
