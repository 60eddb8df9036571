"""Multi-label losses: scaled BCE with class balancing, LSEP, WARP."""
from .lsep_loss import LSEPLoss
from .scaled_bce_loss import ScaledBCELoss
from .utils import class_weights_from_counts
from .warp_loss import WARPLoss

__all__ = [
    'ScaledBCELoss', 'LSEPLoss', 'WARPLoss', 'class_weights_from_counts'
]
