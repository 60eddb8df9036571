"""Training and distributed-run helpers (model wrapper, launch setup, hooks)."""
from .distributed import DeviceAgnosticDDP, init_distributed
from .hooks import RNGStateHook

__all__ = ['DeviceAgnosticDDP', 'init_distributed', 'RNGStateHook']
