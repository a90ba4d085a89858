"""``python -m sim``: the command line (see ``sim.cli``)."""

from sim.cli.main import main

if __name__ == "__main__":
    main()
