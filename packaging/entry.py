"""The frozen app's entry point (PyInstaller runs a script, not a console-script entry)."""

import sys

from clickpay_desk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
