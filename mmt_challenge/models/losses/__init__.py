"""Losses: scaled BCE, LSEP, WARP (multi-label) and the informative loss."""
from .informative_loss import InformativeLoss
from .lsep_loss import LSEPLoss
from .scaled_bce_loss import ScaledBCELoss
from .utils import class_weights_from_counts
from .warp_loss import WARPLoss

__all__ = [
    'ScaledBCELoss', 'LSEPLoss', 'WARPLoss', 'InformativeLoss',
    'class_weights_from_counts'
]
