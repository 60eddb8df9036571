"""Training helpers: model wrapper, distributed launch setup, checkpoint
fitting, hooks."""
from .amp import (AMP_DTYPES, add_amp_argument, amp_dtype, amp_optim_wrapper,
                  autocast)
from .checkpoint import (CheckpointMismatchError, FitCheckingRunner,
                         LoadFromOptions, build_runner,
                         load_fitting_checkpoint, read_checkpoint)
from .distributed import (DeviceAgnosticDDP, finish_distributed,
                          init_distributed)
from .hooks import RNGStateHook

__all__ = [
    'AMP_DTYPES', 'add_amp_argument', 'amp_dtype', 'amp_optim_wrapper',
    'autocast',
    'DeviceAgnosticDDP', 'init_distributed', 'finish_distributed',
    'RNGStateHook', 'CheckpointMismatchError', 'FitCheckingRunner',
    'LoadFromOptions', 'build_runner', 'load_fitting_checkpoint',
    'read_checkpoint'
]
