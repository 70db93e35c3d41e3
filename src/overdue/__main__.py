"""``python -m overdue``: the same command line as the ``overdue`` console script."""

import sys

from overdue.cli import main

sys.exit(main())
