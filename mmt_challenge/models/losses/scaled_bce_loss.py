from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

from mmt_challenge.utils.checks import check_positive

from .utils import (build_class_weights, check_multilabel_inputs,
                    check_no_kwargs)


@MODELS.register_module()
class ScaledBCELoss(BaseWeightedLoss):
    """Binary cross-entropy with logits, mean-reduced, times a constant scale,
    with optional class-balancing weights.

    .. math::

        L = \\frac{s}{B C} \\sum_{b, c} w_c \\, \\mathrm{BCE}(x_{bc}, y_{bc})

    The mean over all ``B * C`` entries makes plain BCE tiny for a large label
    space (313 classes in M-MiT); the first-place M-MiT 2019 solution scaled it
    by ``s = 160`` and chose it over WARP and LSEP (its report gives no
    numbers for that comparison). ``scale`` and ``loss_weight`` multiply the
    same number; ``scale`` is kept apart so configs read like the paper.

    Targets may be soft (mixup, label smoothing): any value in ``[0, 1]`` is
    accepted.

    Class weights ``w_c`` (see
    :func:`~mmt_challenge.models.losses.utils.class_weights_from_counts`):
    ``'none'`` (all 1), ``'sqrt'`` (``sqrt(N_c / N_mean)``) or ``'linear'``
    (``N_c / N_mean``), with the per-class counts ``N_c`` given inline
    (``class_counts``) or read from ``class_counts_file``: a counts file
    written by ``tools/class_counts.py`` (one count per line), an MMAction2
    list file (``path l1 l2 ...``) or an M-MiT CSV (``relpath.mp4,l1,l2``).
    A class with count 0 raises ``ValueError`` in ``'sqrt'`` / ``'linear'``
    mode.

    Args:
        scale (float): Constant multiplied on the mean loss. The winners'
            value is 160. Defaults to 1.0.
        class_weight_mode (str): ``'none'``, ``'sqrt'`` or ``'linear'``.
            Defaults to ``'none'``.
        class_counts (Sequence[float], optional): ``[C]`` per-class counts.
            Defaults to None.
        class_counts_file (str, optional): File to read the counts from.
            Defaults to None.
        loss_weight (float): Factor multiplied on the loss (from
            ``BaseWeightedLoss``). Defaults to 1.0.

    Example:
        >>> loss_cls = dict(type='ScaledBCELoss', scale=160.0)
        >>> loss_cls = dict(type='ScaledBCELoss', scale=160.0,
        ...                 class_weight_mode='sqrt',
        ...                 class_counts_file='data/mmit/train_counts.txt')
    """

    def __init__(self,
                 scale: float = 1.0,
                 *,
                 class_weight_mode: str = 'none',
                 class_counts: Optional[Sequence[float]] = None,
                 class_counts_file: Optional[str] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.scale = check_positive(scale, 'scale')
        self.class_weight_mode = class_weight_mode
        weights = build_class_weights(class_weight_mode, class_counts,
                                      class_counts_file)
        # not persistent: checkpoints stay loadable whatever the weights
        self.register_buffer('class_weight', weights, persistent=False)

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                 **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): ``[B, C]`` logits; float16 / bfloat16 are
                computed in float32.
            label (Tensor): ``[B, C]`` targets in ``[0, 1]`` (multi-hot or
                soft); any real or bool dtype.
            **kwargs: Not supported; present so that a stray keyword raises a
                ``TypeError`` naming it.

        Returns:
            Tensor: The scalar loss (before ``loss_weight``).
        """
        check_no_kwargs(kwargs, 'ScaledBCELoss')
        cls_score, label = check_multilabel_inputs(cls_score, label,
                                                   self.class_weight,
                                                   'ScaledBCELoss')
        weight = None
        if self.class_weight is not None:
            weight = self.class_weight.to(cls_score.dtype)
        loss = F.binary_cross_entropy_with_logits(
            cls_score, label, weight=weight, reduction='mean')
        return loss * self.scale

    def extra_repr(self) -> str:
        return (f'scale={self.scale}, '
                f'class_weight_mode={self.class_weight_mode!r}, '
                f'loss_weight={self.loss_weight}')
