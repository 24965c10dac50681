"""The bottom floor: the database engine and write lock, the tables, the store and the
few queries every wing shares (the inbox, reminder planning, scheduler alerts)."""
