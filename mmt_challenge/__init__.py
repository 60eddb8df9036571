"""mmt-challenge: multi-label video recognition challenges on MMAction2.

Importing the package applies the stack workarounds in :mod:`.compat` and
registers every component into MMAction2's registries.
"""
from . import compat

compat.apply()

from . import (datasets, engine, evaluation, models,  # noqa: E402,F401
               structures, testing)
from .version import __version__  # noqa: E402

__all__ = ['__version__']
