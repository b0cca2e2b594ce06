"""``python -m nmgdash``: the operator command line (:mod:`nmgdash.cli`)."""

import sys

from nmgdash.cli import main

if __name__ == "__main__":
    sys.exit(main())
