"""``python -m sim``: the command line (see ``sim.cli``)."""

import sys

try:
    from sim.cli.main import main
except KeyboardInterrupt:  # Ctrl-C while the command line loads: nothing has started
    print("interrupted before any run started; nothing was written", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    main()
