"""Training helpers: model wrapper, distributed launch setup, hooks."""
from .distributed import DeviceAgnosticDDP, init_distributed
from .hooks import RNGStateHook

__all__ = ['DeviceAgnosticDDP', 'init_distributed', 'RNGStateHook']
