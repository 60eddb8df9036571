"""Training helpers: model wrapper, distributed launch setup, hooks."""
from .distributed import (DeviceAgnosticDDP, finish_distributed,
                          init_distributed)
from .hooks import RNGStateHook

__all__ = [
    'DeviceAgnosticDDP', 'init_distributed', 'finish_distributed',
    'RNGStateHook'
]
