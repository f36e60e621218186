"""``python -m tools.classroom_load [options]``: see tools/classroom_load/classroom.py for what it measures."""

import sys

from tools.classroom_load.classroom import main

if __name__ == "__main__":
    sys.exit(main())
