"""Allow ``python -m cmikg``."""

from cmikg.cli import main

raise SystemExit(main())
