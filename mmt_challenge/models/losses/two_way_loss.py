from typing import Optional

import torch
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

from mmt_challenge.utils.checks import check_positive

from .utils import (check_no_kwargs, check_ranking_inputs,
                    check_target_threshold)


@MODELS.register_module()
class TwoWayLoss(BaseWeightedLoss):
    """Two-way multi-label loss: a softplus of soft-max violations, over the
    classes of each sample and over the samples of each class.

    From `Two-way Multi-Label Loss
    <https://openaccess.thecvf.com/content/CVPR2023/html/Kobayashi_Two-Way_Multi-Label_Loss_CVPR_2023_paper.html>`_
    (Kobayashi, CVPR 2023; official code
    `tk1980/TwoWayMultiLabelLoss <https://github.com/tk1980/TwoWayMultiLabelLoss>`_).
    For logits ``x`` of shape ``[B, C]``, positive classes ``P_b`` and
    negative classes ``N_b`` of sample ``b``, positive samples ``P^c`` and
    negative samples ``N^c`` of class ``c`` within the batch:

    .. math::

        \\ell_b = \\mathrm{softplus}\\Big(
            T_n \\log \\sum_{n \\in N_b} e^{x_{bn} / T_n}
          + T_p \\log \\sum_{p \\in P_b} e^{-x_{bp} / T_p}\\Big)

        \\ell^c = \\mathrm{softplus}\\Big(
            T_n \\log \\sum_{b \\in N^c} e^{x_{bc} / T_n}
          + T_p \\log \\sum_{b \\in P^c} e^{-x_{bc} / T_p}\\Big)

        L = \\operatorname*{mean}_{b:\\, P_b \\neq \\emptyset} \\ell_b
          + \\operatorname*{mean}_{c:\\, P^c \\neq \\emptyset} \\ell^c

    The first term ranks the classes of a sample, the second the samples of
    a class (so the loss depends on the batch: with several processes, on
    each process's batch). ``T_n = 1`` makes the negative side a soft
    maximum, ``T_p = 4`` the positive side a softer minimum; these are the
    paper's and its official code's defaults.

    Degenerate rows and columns, as in the official code: a sample with no
    positive is left out of the first mean (it is not counted) but its
    negatives still enter the second term of every class that has a
    positive in the batch; a class with no positive in the batch is left
    out of the second mean. A sample (or class) with positives but no
    negative is counted and contributes 0 (the official code's mask
    ``-100`` makes that ``softplus(-100 T_n + ...)``, i.e. about 0). A batch
    without any positive gives 0 with zero gradient (the official code gives
    NaN, a mean over nothing).

    Everything is computed with masked log-sum-exps over ``[B, C]`` (no
    ``B x C x C`` tensor) with exact ``-inf`` masks, so the loss and its
    gradient are finite for logits of any magnitude; the official code's
    additive mask of ``-100`` lets the masked entries leak in once logits
    reach about 100 (e.g. ten times the usual scale).

    Soft targets (mixup, label smoothing): as :class:`LSEPLoss`, rejected
    with ``ValueError`` unless ``target_threshold`` is set
    (``target_threshold=0.0`` is the official code's reading: any target
    above 0 is a positive).

    Args:
        pos_temperature (float): ``T_p``. Defaults to 4.0.
        neg_temperature (float): ``T_n``. Defaults to 1.0.
        target_threshold (float, optional): Binarise targets at this value
            instead of rejecting soft targets. Defaults to None.
        loss_weight (float): Factor multiplied on the loss. Defaults to 1.0.

    Example:
        >>> loss_cls = dict(type='TwoWayLoss')
        >>> loss_cls = dict(type='TwoWayLoss', pos_temperature=4.0,
        ...                 neg_temperature=1.0)
    """

    def __init__(self,
                 *,
                 pos_temperature: float = 4.0,
                 neg_temperature: float = 1.0,
                 target_threshold: Optional[float] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.pos_temperature = check_positive(pos_temperature,
                                              'pos_temperature')
        self.neg_temperature = check_positive(neg_temperature,
                                              'neg_temperature')
        self.target_threshold = check_target_threshold(target_threshold,
                                                       'TwoWayLoss')

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
        check_no_kwargs(kwargs, 'TwoWayLoss')
        cls_score, pos, neg = check_ranking_inputs(cls_score, label, None,
                                                   self.target_threshold,
                                                   'TwoWayLoss')
        sample_term = self._one_way(cls_score, pos, neg, dim=1)
        class_term = self._one_way(cls_score, pos, neg, dim=0)
        return sample_term + class_term

    def _one_way(self, x: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor,
                 dim: int) -> torch.Tensor:
        """Mean of the softplus term along ``dim`` (1: per sample, 0: per
        class) over the rows / columns that have a positive."""
        has_pos = pos.any(dim=dim)
        valid = has_pos & neg.any(dim=dim)
        # A log-sum-exp over an empty set is -inf with NaN gradients: give
        # invalid rows every entry on both sides, then zero their term.
        fill = ~valid.unsqueeze(dim)
        pos_side = (-x / self.pos_temperature).masked_fill(
            ~(pos | fill), float('-inf')).logsumexp(dim=dim)
        neg_side = (x / self.neg_temperature).masked_fill(
            ~(neg | fill), float('-inf')).logsumexp(dim=dim)
        violation = (self.pos_temperature * pos_side +
                     self.neg_temperature * neg_side)
        # log(1 + exp(v)) exactly (F.softplus linearises above 20)
        term = torch.logaddexp(violation, violation.new_zeros(()))
        term = torch.where(valid, term, term.new_zeros(()))
        count = int(has_pos.sum())
        if count == 0:
            return x.sum() * 0  # nothing to rank: 0, graph kept
        return term.sum() / count

    def extra_repr(self) -> str:
        return (f'pos_temperature={self.pos_temperature}, '
                f'neg_temperature={self.neg_temperature}, '
                f'target_threshold={self.target_threshold}, '
                f'loss_weight={self.loss_weight}')

