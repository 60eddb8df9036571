"""Reading the learned cross-dataset projections of a
:class:`~mmt_challenge.models.heads.MultiDatasetHead` (MultiTrain's analysis,
its supplement's Table 4): which source classes feed each target class."""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor

from mmt_challenge.utils.checks import check_int

__all__ = ['top_projection_weights', 'projection_weight_from_state_dict']

def top_projection_weights(weight: Tensor,
                           k: int,
                           src_classes: Optional[Sequence[str]] = None,
                           dst_classes: Optional[Sequence[str]] = None,
                           dst_filter: Optional[Sequence[str]] = None
                           ) -> List[dict]:
    """The ``k`` largest weights of a projection for each target class.

    MultiTrain's analysis of the learned projections (its supplement's
    Table 4): for each class of the target dataset, the classes of the
    source dataset whose logits feed it most.

    Args:
        weight (Tensor): ``[C_dst, C_src]`` projection weight
            (:meth:`MultiDatasetHead.projection_weight`).
        k (int): How many source classes per target class, at most
            ``C_src``.
        src_classes (Sequence[str], optional): ``C_src`` class names.
            Defaults to None (indices as names).
        dst_classes (Sequence[str], optional): ``C_dst`` class names.
            Defaults to None (indices as names).
        dst_filter (Sequence[str], optional): Only these target classes.
            Defaults to None (all).

    Returns:
        list[dict]: Rows ``dst_index``, ``dst_class``, ``rank`` (1-based),
        ``src_index``, ``src_class`` and ``weight`` (float), by target class,
        then by falling weight.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() != 2:
        raise ValueError('weight must be a [C_dst, C_src] Tensor')
    num_dst, num_src = weight.shape
    check_int(k, 'k', min_val=1, max_val=num_src)
    src_classes = _class_names(src_classes, num_src, 'src_classes')
    dst_classes = _class_names(dst_classes, num_dst, 'dst_classes')
    rows_of = range(num_dst)
    if dst_filter is not None:
        unknown = sorted(set(dst_filter) - set(dst_classes))
        if unknown:
            raise ValueError(f'unknown target classes {unknown}')
        wanted = set(dst_filter)
        rows_of = [i for i in rows_of if dst_classes[i] in wanted]
    weight = weight.detach().float().cpu()
    values, indices = weight.topk(k, dim=1)
    rows = []
    for i in rows_of:
        for rank in range(k):
            j = int(indices[i, rank])
            rows.append(
                dict(
                    dst_index=i,
                    dst_class=dst_classes[i],
                    rank=rank + 1,
                    src_index=j,
                    src_class=src_classes[j],
                    weight=float(values[i, rank])))
    return rows


def projection_weight_from_state_dict(state_dict: Dict[str, Tensor], src: str,
                                      dst: str) -> Tensor:
    """The ``[C_dst, C_src]`` weight of the projection ``src -> dst`` in a
    checkpoint's state dict, without building the model.

    Args:
        state_dict (dict[str, Tensor]): A recognizer's state dict (any
            prefix before ``cls_head.``, e.g. ``module.`` of a wrapper).
        src (str): Source dataset.
        dst (str): Target dataset.

    Returns:
        Tensor: The weight.
    """
    suffix = f'projections.{dst}.{src}.weight'
    keys = [k for k in state_dict if k.endswith(suffix)]
    if len(keys) != 1:
        found = sorted(
            tuple(k.split('.')[-3:-1][::-1]) for k in state_dict
            if '.projections.' in k and k.endswith('.weight'))
        raise ValueError(
            f'no single projection {src!r} -> {dst!r} in the state dict '
            f'(found {len(keys)}); its projections (src, dst) are {found}')
    return state_dict[keys[0]]


def _class_names(names: Optional[Sequence[str]], count: int,
                 what: str) -> List[str]:
    if names is None:
        return [str(i) for i in range(count)]
    names = list(names)
    if len(names) != count:
        raise ValueError(f'{what} has {len(names)} names for {count} classes')
    return names
