"""``python -m kpiscore``: the same command line, where the ``kpiscore`` script is not on PATH."""

import sys

from .cli import main

sys.exit(main())
