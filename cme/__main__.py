import sys

from cme.cli import main

sys.exit(main())
