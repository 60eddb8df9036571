from typing import Dict, Optional, Sequence, Tuple

import torch
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS

from mmt_challenge.utils.checks import check_int, check_non_negative

from .utils import (build_class_weights, check_no_kwargs,
                    check_ranking_inputs, check_target_threshold)

WARP_MODES = ('exact', 'sampled')


def harmonic_numbers(n: int, dtype: torch.dtype,
                     device: torch.device) -> torch.Tensor:
    """``[n + 1]`` tensor of ``L(r) = sum_{j <= r} 1 / j`` for ``r = 0..n``
    (``L(0) = 0``), accumulated in float64."""
    steps = torch.arange(1, n + 1, dtype=torch.float64, device=device)
    table = torch.cat([steps.new_zeros(1), steps.reciprocal().cumsum(0)])
    return table.to(dtype)


@MODELS.register_module()
class WARPLoss(BaseWeightedLoss):
    """Weighted Approximate-Rank Pairwise loss (WARP) for multi-label
    classification.

    From `WSABIE: Scaling Up To Large Vocabulary Image Annotation
    <https://www.ijcai.org/Proceedings/11/Papers/460.pdf>`_ (Weston et al.,
    IJCAI 2011), applied to multi-label classification as in `Deep
    Convolutional Ranking for Multilabel Image Annotation
    <https://arxiv.org/abs/1312.4894>`_ (Gong et al., 2013). For one sample
    with logits ``f``, positive classes ``P`` and negative classes ``N``
    (``|N| = n``), margin ``m``, the rank of a positive ``p`` is the number
    of negatives that violate the margin,
    ``r_p = #{u in N : m + f_u - f_p > 0}``, and
    ``L(r) = sum_{j <= r} 1 / j``.

    * ``mode='exact'``:

      .. math::

          \\ell = \\sum_{p \\in P} w_p \\frac{L(r_p)}{r_p}
                  \\sum_{u \\in N} [m + f_u - f_p]_+

      (a positive with ``r_p = 0`` contributes 0). This is Weston et al.'s
      objective, whose one-violator estimate is the sampled form below;
      Gong et al. drop the ``1 / r_p``. Computed from one sort
      of each sample's negatives, their suffix sums and a ``searchsorted``
      of each positive's threshold ``f_p - m``: ``O(B C log C)`` time and
      ``O(B C)`` memory, no pairwise tensor.

    * ``mode='sampled'`` (Weston et al.'s estimator): for each positive,
      draw negatives uniformly with replacement until one violates the
      margin or ``n`` draws are made; if the ``N``-th draw ``u*`` violates,
      the positive contributes ``w_p L(floor(n / N)) [m + f_{u*} - f_p]``,
      otherwise 0. The violating negative is uniform over the violators,
      so this is the one-sample estimate of the exact form with the rank
      estimated from the number of trials. Positives that no negative
      violates are known from the sort and skip the draws (their outcome,
      0, does not depend on them). Draws come from ``generator`` if passed
      to the forward call, else from a generator seeded with ``seed``,
      else from torch's global RNG.

    The loss is the mean of ``\\ell`` over all ``B`` samples; a sample with
    no positive or no negative contributes 0 with zero gradient. The
    gradient of the rank weights is zero (they are piecewise constant), as
    in the papers. Class weights ``w_p`` (default 1) are configured as in
    :class:`ScaledBCELoss`.

    Soft targets (mixup, label smoothing): as :class:`LSEPLoss`, rejected
    with ``ValueError`` unless ``target_threshold`` is set.

    Args:
        mode (str): ``'exact'`` or ``'sampled'``. Defaults to ``'exact'``.
        margin (float): The margin ``m``. Defaults to 1.0.
        seed (int, optional): Seed of the generator for ``'sampled'``.
            Defaults to None (torch's global RNG).
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
                 mode: str = 'exact',
                 *,
                 margin: float = 1.0,
                 seed: Optional[int] = None,
                 class_weight_mode: str = 'none',
                 class_counts: Optional[Sequence[float]] = None,
                 class_counts_file: Optional[str] = None,
                 target_threshold: Optional[float] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        if mode not in WARP_MODES:
            raise ValueError(f'mode must be one of {WARP_MODES}, got {mode!r}')
        self.mode = mode
        self.margin = check_non_negative(margin, 'margin')
        self.seed = check_int(seed, 'seed', allow_none=True)
        self.class_weight_mode = class_weight_mode
        self.target_threshold = check_target_threshold(target_threshold,
                                                       'WARPLoss')
        weights = build_class_weights(class_weight_mode, class_counts,
                                      class_counts_file)
        self.register_buffer('class_weight', weights, persistent=False)
        self._generators: Dict[torch.device, torch.Generator] = {}

    def _forward(self,
                 cls_score: torch.Tensor,
                 label: torch.Tensor,
                 *,
                 generator: Optional[torch.Generator] = None,
                 **kwargs) -> torch.Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): ``[B, C]`` logits; float16 / bfloat16 are
                computed in float32.
            label (Tensor): ``[B, C]`` multi-hot targets (0 / 1, or soft
                targets with ``target_threshold``).
            generator (torch.Generator, optional): Source of the draws in
                ``'sampled'`` mode. Defaults to None.
            **kwargs: Not supported; a stray keyword raises ``TypeError``.

        Returns:
            Tensor: The scalar loss (before ``loss_weight``).
        """
        check_no_kwargs(kwargs, 'WARPLoss')
        if generator is not None and not isinstance(generator,
                                                    torch.Generator):
            raise TypeError(f'generator must be a torch.Generator, got '
                            f'{type(generator).__name__}')
        cls_score, pos, neg = check_ranking_inputs(cls_score, label,
                                                   self.class_weight,
                                                   self.target_threshold,
                                                   'WARPLoss')
        num_classes = cls_score.shape[1]
        # The loss only sees differences of logits within a sample: centring
        # each row (a constant shift, no gradient) keeps the suffix sums below
        # accurate when all logits share a large offset.
        f = cls_score - cls_score.detach().mean(dim=1, keepdim=True)
        max_pos = int(pos.sum(dim=1).max())
        if max_pos == 0:
            return f.sum() * 0  # no positive anywhere: 0, graph kept

        # Positives gathered into [B, P] slots (P = most positives of a
        # sample); slots beyond a sample's positives are padding.
        is_pos, pos_idx = pos.to(torch.uint8).topk(max_pos, dim=1)
        is_pos = is_pos.bool()
        f_pos = f.gather(1, pos_idx)  # [B, P]
        # Negatives sorted ascending; the other classes sort first as -inf.
        key = f.detach().masked_fill(~neg, float('-inf'))
        sorted_key, order = key.sort(dim=1)
        # first sorted position that violates the margin of each positive
        threshold = (f_pos.detach() - self.margin).contiguous()
        first = torch.searchsorted(sorted_key, threshold, right=True)
        rank = num_classes - first  # [B, P] violating negatives
        sorted_f = f.masked_fill(~neg, 0).gather(1, order)  # differentiable
        table = harmonic_numbers(num_classes, f.dtype, f.device)

        if self.mode == 'exact':
            suffix = sorted_f.flip(1).cumsum(1).flip(1)  # sum of f[k:]
            suffix = torch.cat([suffix, suffix.new_zeros(len(suffix), 1)], 1)
            violator_sum = suffix.gather(1, first)  # sum of violating f_u
            hinge_sum = rank.to(f.dtype) * (self.margin - f_pos) + violator_sum
            coef = table[rank] / rank.clamp(min=1).to(f.dtype)
            per_pos = coef * hinge_sum
        else:
            per_pos = self._sampled(f_pos, sorted_f, is_pos, neg, rank, table,
                                    generator)
        if self.class_weight is not None:
            per_pos = per_pos * self.class_weight.to(f.dtype)[pos_idx]
        per_pos = torch.where(is_pos, per_pos, per_pos.new_zeros(()))
        return per_pos.sum(dim=1).mean()

    def _sampled(self, f_pos: torch.Tensor, sorted_f: torch.Tensor,
                 is_pos: torch.Tensor, neg: torch.Tensor, rank: torch.Tensor,
                 table: torch.Tensor,
                 generator: Optional[torch.Generator]) -> torch.Tensor:
        """Weston et al.'s sampled WARP term of every positive slot, as a
        ``[B, P]`` tensor that is 0 where no violation was drawn."""
        num_classes = sorted_f.shape[1]
        num_neg = neg.sum(dim=1)  # [B]
        rows, slots = (is_pos & (rank > 0)).nonzero(as_tuple=True)
        per_pos = f_pos * 0  # zeros in the graph
        if rows.numel() == 0:
            return per_pos
        trials, chosen = self._draw_until_violation(
            num_neg[rows], rank[rows, slots], f_pos.device, generator)
        found = trials > 0
        rows, slots = rows[found], slots[found]
        trials, chosen = trials[found], chosen[found]
        n = num_neg[rows]
        # negatives occupy the last n sorted positions of their row
        neg_f = sorted_f[rows, num_classes - n + chosen]
        estimate = torch.div(n, trials, rounding_mode='floor')
        term = table[estimate] * (self.margin + neg_f - f_pos[rows, slots])
        return per_pos.index_put((rows, slots), term)

    def _generator(
            self, device: torch.device,
            generator: Optional[torch.Generator]) -> Optional[torch.Generator]:
        if generator is not None or self.seed is None:
            return generator
        if device not in self._generators:
            self._generators[device] = torch.Generator(
                device=device).manual_seed(self.seed)
        return self._generators[device]

    def _draw_until_violation(
            self,
            num_neg: torch.Tensor,
            rank: torch.Tensor,
            device: torch.device,
            generator: Optional[torch.Generator],
            first_chunk: int = 4,
            max_chunk: int = 64) -> Tuple[torch.Tensor, torch.Tensor]:
        """For K pairs, draw negatives uniformly with replacement until one
        violates the margin, at most ``num_neg`` draws per pair.

        A pair's negatives are indexed ``0..n-1`` in ascending score order,
        so its ``r`` violators are exactly the indices ``>= n - r``. The
        draws are made in rounds of ``first_chunk`` draws per unresolved
        pair, doubling up to ``max_chunk``: most pairs resolve in the first
        round, and memory stays at ``K * max_chunk`` at most.

        Returns:
            tuple[Tensor, Tensor]: ``[K]`` number of draws up to and
            including the first violation (0 when none within ``n`` draws)
            and ``[K]`` index of the violating negative (undefined where
            the count is 0).
        """
        generator = self._generator(device, generator)
        draw_device = generator.device if generator is not None else device
        num_pairs = num_neg.numel()
        trials = torch.zeros(num_pairs, dtype=torch.long, device=device)
        chosen = torch.zeros(num_pairs, dtype=torch.long, device=device)
        active = torch.arange(num_pairs, device=device)
        done = 0  # draws made so far by every active pair
        chunk = first_chunk
        while active.numel() > 0:
            n = num_neg[active]
            u = torch.rand(
                active.numel(),
                chunk,
                generator=generator,
                device=draw_device,
                dtype=torch.float64).to(device)
            # uniform on 0..n-1 (the minimum guards u * n rounding up to n)
            index = torch.minimum((u * n[:, None]).long(), (n - 1)[:, None])
            step = torch.arange(1, chunk + 1, device=device) + done
            hit = (index >= (n - rank[active])[:, None]) & (
                step[None, :] <= n[:, None])
            any_hit = hit.any(dim=1)
            first = hit.long().argmax(dim=1)
            hit_pairs = active[any_hit]
            trials[hit_pairs] = step[first[any_hit]]
            chosen[hit_pairs] = index[any_hit, first[any_hit]]
            done += chunk
            chunk = min(2 * chunk, max_chunk)
            keep = ~any_hit & (n > done)
            active = active[keep]
        return trials, chosen

    def extra_repr(self) -> str:
        return (f'mode={self.mode!r}, margin={self.margin}, seed={self.seed}, '
                f'class_weight_mode={self.class_weight_mode!r}, '
                f'target_threshold={self.target_threshold}, '
                f'loss_weight={self.loss_weight}')
