"""``python -m bayes_magic``: the batch command line."""

import sys

from .cli import main

sys.exit(main())
