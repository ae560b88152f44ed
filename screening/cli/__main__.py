"""``python -m screening.cli``, the same as ``pelvic-screen``."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
