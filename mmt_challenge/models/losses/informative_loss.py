"""MultiTrain's informative loss: VICReg variance and covariance terms."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS
from torch import nn

from mmt_challenge.utils.checks import check_non_negative, check_positive_int

__all__ = ['InformativeLoss']


@MODELS.register_module()
class InformativeLoss(BaseWeightedLoss):
    """Variance and covariance regularisation of a batch of embeddings.

    The "informative loss" of MultiTrain (Liang et al., `Multi-dataset
    Training of Transformers for Robust Action Recognition
    <https://arxiv.org/abs/2209.12362>`_, NeurIPS 2022): the variance and
    covariance terms of VICReg (Bardes et al., `VICReg
    <https://arxiv.org/abs/2105.04906>`_, ICLR 2022), without VICReg's
    invariance term, on an expander of the backbone feature. It keeps the
    embedding of a model trained on several datasets from collapsing and
    decorrelates its dimensions.

    With ``z = expander(x)`` of shape ``[B, D]``, ``z_bar`` its mean over the
    batch and ``C = (z - z_bar)^T (z - z_bar) / (B - 1)`` its ``[D, D]``
    covariance:

    .. math::

        v = \\frac{1}{D} \\sum_j \\max(0, \\gamma - \\sqrt{C_{jj} + \\epsilon})
        \\qquad
        c = \\frac{1}{D} \\sum_{i \\neq j} C_{ij}^2

        L = w (\\mu v + \\nu c)

    with ``mu = variance_weight``, ``nu = covariance_weight`` and
    ``w = loss_weight``; MultiTrain's values are 25, 1 and 0.1 (VICReg's
    variance / covariance weights, and MultiTrain's ``INF_LOSS_WEIGHT``).

    The expander is MultiTrain's: ``Linear(in_channels, hidden_channels)``,
    GELU, ``Linear(hidden_channels, out_channels)``. It is trained by this
    loss only and is dropped at inference (see
    :meth:`MultiDatasetRecognizer2D.single_dataset_state_dict
    <mmt_challenge.models.recognizers.MultiDatasetRecognizer2D>`). With
    ``in_channels=None`` the loss acts on its input directly.

    The statistics are those of the batch one process sees; MultiTrain
    gathers the embeddings of all GPUs first, which matters only for small
    per-GPU batches. A batch of one sample has no variance: both terms are
    then 0 (with the graph kept, so that DDP sees every parameter used).

    Args:
        in_channels (int, optional): Channels of the input embedding, which
            builds the expander. Defaults to None (no expander).
        hidden_channels (int): Hidden width of the expander. Defaults to
            4096.
        out_channels (int, optional): Output width of the expander. Defaults
            to None (``in_channels``).
        variance_weight (float): ``mu``. Defaults to 25.0.
        covariance_weight (float): ``nu``. Defaults to 1.0.
        std_target (float): ``gamma``, the standard deviation the variance
            hinge asks of every dimension. Defaults to 1.0.
        eps (float): ``epsilon`` under the square root. Defaults to 1e-4.
        loss_weight (float): ``w``, multiplied on both terms. Defaults to
            0.1.

    Example:
        >>> loss = InformativeLoss(in_channels=2048)
        >>> terms = loss(torch.randn(16, 2048))
        >>> sorted(terms)
        ['loss_covariance', 'loss_variance']
    """

    def __init__(self,
                 in_channels: Optional[int] = None,
                 hidden_channels: int = 4096,
                 out_channels: Optional[int] = None,
                 *,
                 variance_weight: float = 25.0,
                 covariance_weight: float = 1.0,
                 std_target: float = 1.0,
                 eps: float = 1e-4,
                 loss_weight: float = 0.1) -> None:
        super().__init__(
            loss_weight=check_non_negative(loss_weight, 'loss_weight'))
        self.variance_weight = check_non_negative(variance_weight,
                                                  'variance_weight')
        self.covariance_weight = check_non_negative(covariance_weight,
                                                    'covariance_weight')
        self.std_target = check_non_negative(std_target, 'std_target')
        self.eps = check_non_negative(eps, 'eps')
        self.in_channels = in_channels
        if in_channels is None:
            if out_channels is not None:
                raise ValueError('out_channels needs an expander: set '
                                 'in_channels too')
            self.expander = None
        else:
            for name, value in (('in_channels', in_channels),
                                ('hidden_channels', hidden_channels),
                                ('out_channels', out_channels
                                 or in_channels)):
                check_positive_int(value, name)
            self.expander = nn.Sequential(
                nn.Linear(in_channels, hidden_channels), nn.GELU(),
                nn.Linear(hidden_channels, out_channels or in_channels))

    def _forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Compute both terms.

        Args:
            x (Tensor): ``[B, in_channels]`` embeddings (any ``[B, D]`` without
                an expander); float16 / bfloat16 are computed in float32.

        Returns:
            dict[str, Tensor]: ``loss_variance`` (``mu * v``) and
            ``loss_covariance`` (``nu * c``), scalars before
            ``loss_weight``.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f'InformativeLoss: x must be a Tensor, got {type(x).__name__}')
        if not x.is_floating_point():
            raise TypeError(
                f'InformativeLoss: x must be floating point, got {x.dtype}')
        if x.dim() != 2 or x.shape[0] == 0 or x.shape[1] == 0:
            raise ValueError('InformativeLoss: x must be a non-empty [B, D] '
                             f'batch of embeddings, got shape '
                             f'{tuple(x.shape)}')
        if self.in_channels is not None and x.shape[1] != self.in_channels:
            raise ValueError(f'InformativeLoss: x has {x.shape[1]} channels, '
                             f'the expander takes {self.in_channels}')
        z = self.expander(x) if self.expander is not None else x
        if z.dtype in (torch.float16, torch.bfloat16):
            z = z.float()
        num_samples, dim = z.shape
        if num_samples < 2:
            zero = z.sum() * 0.0
            return dict(loss_variance=zero, loss_covariance=zero.clone())
        z = z - z.mean(dim=0)
        cov = z.T @ z / (num_samples - 1)
        std = torch.sqrt(torch.diagonal(cov) + self.eps)
        variance = F.relu(self.std_target - std).mean()
        off_diagonal = cov - torch.diag_embed(torch.diagonal(cov))
        covariance = off_diagonal.pow(2).sum() / dim
        return dict(
            loss_variance=self.variance_weight * variance,
            loss_covariance=self.covariance_weight * covariance)

    def extra_repr(self) -> str:
        return (f'variance_weight={self.variance_weight}, '
                f'covariance_weight={self.covariance_weight}, '
                f'std_target={self.std_target}, eps={self.eps}, '
                f'loss_weight={self.loss_weight}')
