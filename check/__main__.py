import sys

from check.cli.app import main

sys.exit(main())
