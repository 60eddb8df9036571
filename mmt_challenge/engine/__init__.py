"""Training and distributed-run helpers (model wrapper, launch setup)."""
from .distributed import DeviceAgnosticDDP, init_distributed

__all__ = ['DeviceAgnosticDDP', 'init_distributed']
