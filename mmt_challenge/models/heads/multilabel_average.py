"""Clip averaging for multi-label heads."""
import torch

__all__ = ['MultiLabelAverageMixin']


class MultiLabelAverageMixin:
    """Adds ``average_clips='sigmoid'`` to an MMAction2 head.

    MMAction2's ``average_clips='prob'`` averages softmax probabilities, which
    makes the classes of a multi-label problem compete. With ``'sigmoid'`` the
    head averages per-class sigmoid probabilities over the clips and crops of
    a video, the multi-label counterpart. The other modes (``'score'``,
    ``'prob'``, None) behave as in MMAction2.

    Put the mixin first in the bases: ``class H(MultiLabelAverageMixin,
    TSNHead)``.
    """

    def average_clip(self,
                     cls_scores: torch.Tensor,
                     num_segs: int = 1) -> torch.Tensor:
        """Average class scores over the views of each video.

        Args:
            cls_scores (Tensor): ``[B * num_segs, C]`` logits.
            num_segs (int): Views per video. Defaults to 1.

        Returns:
            Tensor: ``[B, C]``; probabilities in [0, 1] for ``'sigmoid'``.
        """
        if self.average_clips != 'sigmoid':
            return super().average_clip(cls_scores, num_segs=num_segs)
        if cls_scores.shape[0] % num_segs:
            raise ValueError(f'{cls_scores.shape[0]} scores cannot be split '
                             f'into videos of {num_segs} views')
        views = cls_scores.view(-1, num_segs, *cls_scores.shape[1:])
        return views.sigmoid().mean(dim=1)
