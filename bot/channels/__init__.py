"""Channel adapters: each checks a provider's request and turns it into one common message."""
