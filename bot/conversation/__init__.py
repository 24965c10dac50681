"""The SMS conversation: the webhook shell around ``flows/`` (record, load, process,
save, reply) and the terminal chat."""
