"""``python -m overdue.config``: print the policy-file JSON Schema (the shipped file)."""

import sys

from overdue.config.schema import schema_text

sys.stdout.write(schema_text())
