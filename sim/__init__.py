"""sim-redesign: calibrate, simulate and redesign business processes.

``__version__`` is the installed distribution's version (``pip install``, editable or not), the
one ``python -m sim --version`` prints and every ``run.json`` records under ``versions``;
``"unknown"`` when the package runs without being installed (from a copy of the source on
``PYTHONPATH``).
"""

from importlib import metadata

DISTRIBUTION = "sim-redesign"

try:
    __version__ = metadata.version(DISTRIBUTION)
except metadata.PackageNotFoundError:
    __version__ = "unknown"
