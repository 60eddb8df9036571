from typing import Optional, Sequence

import torch
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

from .utils import (build_class_weights, check_no_kwargs,
                    check_ranking_inputs, check_target_threshold)


@MODELS.register_module()
class LSEPLoss(BaseWeightedLoss):
    """Log-sum-exp pairwise ranking loss (LSEP) for multi-label
    classification, optionally weighted per positive class (wLSEP).

    From `Improving Pairwise Ranking for Multi-label Image Classification
    <https://arxiv.org/abs/1704.03135>`_ (Li et al., CVPR 2017). For one
    sample with logits ``f``, positive classes ``P`` and negative classes
    ``N``:

    .. math::

        \\ell = \\log\\Big(1 + \\sum_{v \\in P} \\sum_{u \\in N}
                 w_v \\, e^{f_u - f_v}\\Big)
              = \\mathrm{softplus}\\Big(\\mathrm{LSE}_{u \\in N}(f_u)
                 + \\mathrm{LSE}_{v \\in P}(\\log w_v - f_v)\\Big)

    The double sum factorises, so the loss is computed per sample from two
    log-sum-exps over ``[B, C]`` (no ``B x C x C`` pairwise tensor) and is
    finite, with finite gradients, for logits of any magnitude. A sample with
    no positive or no negative class contributes 0 (and zero gradient); the
    loss is the mean of ``\\ell`` over all ``B`` samples.

    ``w_v = 1`` unless class weights are configured (``'sqrt'``:
    ``sqrt(N_v / N_mean)``, ``'linear'``: ``N_v / N_mean``, from
    ``class_counts`` or ``class_counts_file``; see
    :class:`ScaledBCELoss`).

    Soft targets (mixup, label smoothing) have no ranking meaning: with
    ``target_threshold=None`` they raise ``ValueError``; with a threshold
    ``t`` a class is positive when its target is ``> t`` (``t=0.0`` makes
    every class of either mixed video positive).

    Args:
        class_weight_mode (str): ``'none'``, ``'sqrt'`` or ``'linear'``.
            Defaults to ``'none'``.
        class_counts (Sequence[float], optional): ``[C]`` per-class counts.
            Defaults to None.
        class_counts_file (str, optional): Counts file, MMAction2 list file
            or M-MiT CSV to count from. Defaults to None.
        target_threshold (float, optional): Binarise targets at this value
            instead of rejecting soft targets. Defaults to None.
        loss_weight (float): Factor multiplied on the loss. Defaults to 1.0.
    """

    def __init__(self,
                 *,
                 class_weight_mode: str = 'none',
                 class_counts: Optional[Sequence[float]] = None,
                 class_counts_file: Optional[str] = None,
                 target_threshold: Optional[float] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.class_weight_mode = class_weight_mode
        self.target_threshold = check_target_threshold(target_threshold,
                                                       'LSEPLoss')
        weights = build_class_weights(class_weight_mode, class_counts,
                                      class_counts_file)
        self.register_buffer('class_weight', weights, persistent=False)

    def _forward(self, cls_score: torch.Tensor, label: torch.Tensor,
                 **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): ``[B, C]`` logits; float16 / bfloat16 are
                computed in float32.
            label (Tensor): ``[B, C]`` multi-hot targets (0 / 1, or soft
                targets with ``target_threshold``).
            **kwargs: Not supported; a stray keyword raises ``TypeError``.

        Returns:
            Tensor: The scalar loss (before ``loss_weight``).
        """
        check_no_kwargs(kwargs, 'LSEPLoss')
        cls_score, pos, neg = check_ranking_inputs(cls_score, label,
                                                   self.class_weight,
                                                   self.target_threshold,
                                                   'LSEPLoss')
        # A row without positives or negatives would make a log-sum-exp over
        # an empty set (-inf, and NaN gradients); give such rows every class
        # on both sides so everything stays finite, then zero them.
        valid = pos.any(dim=1) & neg.any(dim=1)
        pos = pos | ~valid[:, None]
        neg = neg | ~valid[:, None]
        neg_term = cls_score.masked_fill(~neg, float('-inf')).logsumexp(dim=1)
        pos_logits = -cls_score
        if self.class_weight is not None:
            pos_logits = pos_logits + self.class_weight.log().to(
                cls_score.dtype)
        pos_term = pos_logits.masked_fill(~pos, float('-inf')).logsumexp(dim=1)
        # log(1 + exp(x)) exactly (F.softplus linearises above 20)
        per_sample = torch.logaddexp(neg_term + pos_term, neg_term.new_zeros(
            ()))
        per_sample = torch.where(valid, per_sample, per_sample.new_zeros(()))
        return per_sample.mean()

    def extra_repr(self) -> str:
        return (f'class_weight_mode={self.class_weight_mode!r}, '
                f'target_threshold={self.target_threshold}, '
                f'loss_weight={self.loss_weight}')
