"""Voice: missed calls and call-backs, the IVR shell around ``flows/voice*``, placing
calls within the limits, and reminders said in a call."""
