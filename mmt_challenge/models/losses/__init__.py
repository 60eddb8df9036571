"""Losses: scaled BCE, LSEP, WARP, two-way and asymmetric (multi-label) and
the informative loss."""
from .asymmetric_loss import AsymmetricLoss
from .informative_loss import InformativeLoss
from .lsep_loss import LSEPLoss
from .scaled_bce_loss import ScaledBCELoss
from .two_way_loss import TwoWayLoss
from .utils import class_weights_from_counts
from .warp_loss import WARPLoss

__all__ = [
    'ScaledBCELoss', 'LSEPLoss', 'WARPLoss', 'TwoWayLoss', 'AsymmetricLoss',
    'InformativeLoss', 'class_weights_from_counts'
]
