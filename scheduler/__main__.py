"""``python -m scheduler``: the schedule engine's command line (see :mod:`scheduler.cli`)."""

from scheduler.cli import main

raise SystemExit(main())
