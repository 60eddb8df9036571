import math

import torch
import torch.nn.functional as F
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

from mmt_challenge.utils.checks import check_non_negative, check_probability

from .utils import check_multilabel_inputs, check_no_kwargs


@MODELS.register_module()
class AsymmetricLoss(BaseWeightedLoss):
    """Asymmetric loss (ASL): binary cross-entropy with a focal weight of
    its own on each side and a shifted probability on the negative side.

    From `Asymmetric Loss For Multi-Label Classification
    <https://arxiv.org/abs/2009.14119>`_ (Ridnik et al., ICCV 2021; official
    code `Alibaba-MIIL/ASL <https://github.com/Alibaba-MIIL/ASL>`_). With
    ``p = sigmoid(x)`` and the shifted probability
    ``p_m = max(p - m, 0)``:

    .. math::

        L_+ = -(1 - p)^{\\gamma_+} \\log \\max(p, \\epsilon)
        \\qquad
        L_- = -p_m^{\\gamma_-} \\log \\max(1 - p_m, \\epsilon)

        L = \\frac{1}{B} \\sum_{b, c} \\big(y_{bc} L_+(x_{bc})
            + (1 - y_{bc}) L_-(x_{bc})\\big)

    The focusing ``gamma_neg`` down-weights easy negatives; the margin
    ``clip`` (``m``) discards negatives with ``p <= m`` altogether. The
    defaults are the setting of the paper's experiments and of the official
    training script (``gamma_neg=4, gamma_pos=0, clip=0.05``); the official
    class's own default ``gamma_pos=1`` is not what it trains with. ``eps``
    clamps the probabilities under the logarithms as the official code does
    (so a positive with ``p < eps``, i.e. a logit below about -18.4, gets no
    gradient); ``eps=0`` removes the clamp. The focal weights are
    differentiated, as in the official ``AsymmetricLoss`` and the paper's
    gradient analysis.

    The official code sums over the batch; here the sum over classes is
    averaged over the ``B`` samples, as the other losses of this package do,
    so the loss does not grow with the batch size. Every entry is computed
    elementwise from log-sigmoids (no ``1 - sigmoid`` cancellation), so the
    loss and its gradient are finite for logits of any magnitude.

    A sample with no positive is an ordinary sample: its negatives
    contribute their ``L_-``. Soft targets (mixup, label smoothing) are
    accepted: a target ``y`` in ``[0, 1]`` weighs the two sides as in the
    formula above (the expected loss of a label drawn as 1 with probability
    ``y``); for 0 / 1 targets this is the official loss.

    Args:
        gamma_neg (float): ``gamma_-``. Defaults to 4.0.
        gamma_pos (float): ``gamma_+``. Defaults to 0.0.
        clip (float): The probability margin ``m`` of the negatives, in
            ``[0, 1)``. Defaults to 0.05.
        eps (float): The clamp ``epsilon`` of the probabilities under the
            logarithms, in ``[0, 1)``. Defaults to 1e-8.
        loss_weight (float): Factor multiplied on the loss. Defaults to 1.0.

    Example:
        >>> loss_cls = dict(type='AsymmetricLoss')
        >>> loss_cls = dict(type='AsymmetricLoss', gamma_neg=4.0,
        ...                 gamma_pos=0.0, clip=0.05)
    """

    def __init__(self,
                 *,
                 gamma_neg: float = 4.0,
                 gamma_pos: float = 0.0,
                 clip: float = 0.05,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.gamma_neg = check_non_negative(gamma_neg, 'gamma_neg')
        self.gamma_pos = check_non_negative(gamma_pos, 'gamma_pos')
        self.clip = check_probability(clip, 'clip', include_boundaries='left')
        self.eps = check_probability(eps, 'eps', include_boundaries='left')

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                 **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): ``[B, C]`` logits; float16 / bfloat16 are
                computed in float32.
            label (Tensor): ``[B, C]`` targets in ``[0, 1]`` (multi-hot or
                soft); any real or bool dtype.
            **kwargs: Not supported; a stray keyword raises ``TypeError``.

        Returns:
            Tensor: The scalar loss (before ``loss_weight``).
        """
        check_no_kwargs(kwargs, 'AsymmetricLoss')
        x, label = check_multilabel_inputs(cls_score, label, None,
                                           'AsymmetricLoss')
        log_floor = math.log(self.eps) if self.eps > 0 else float('-inf')
        log_p = F.logsigmoid(x)
        log_not_p = F.logsigmoid(-x)  # log(1 - p)
        pos_loss = -torch.exp(self.gamma_pos * log_not_p) * log_p.clamp(
            min=log_floor)

        if self.clip > 0:
            shifted = torch.sigmoid(x) - self.clip  # p - m
            kept = shifted > 0
            # log of p_m where it is positive; 1 elsewhere keeps log finite
            log_shifted = torch.where(kept, shifted,
                                      shifted.new_ones(())).log()
            neg_weight = torch.where(kept,
                                     torch.exp(self.gamma_neg * log_shifted),
                                     shifted.new_zeros(()))
            # 1 - p_m = min(1 - p + m, 1)
            log_keep = (torch.sigmoid(-x) + self.clip).clamp(max=1).log()
        else:
            neg_weight = torch.exp(self.gamma_neg * log_p)
            log_keep = log_not_p
        neg_loss = -neg_weight * log_keep.clamp(min=log_floor)

        per_entry = label * pos_loss + (1 - label) * neg_loss
        return per_entry.sum(dim=1).mean()

    def extra_repr(self) -> str:
        return (f'gamma_neg={self.gamma_neg}, gamma_pos={self.gamma_pos}, '
                f'clip={self.clip}, eps={self.eps}, '
                f'loss_weight={self.loss_weight}')

