"""Due lists: who is due or overdue for the next session days, for health workers and
officers, and the weekly digest that texts them to health workers."""
