"""Reading learned cross-dataset projections, against sorting and a real
head's state dict."""
import pytest
import torch

import mmt_challenge  # noqa: F401
from mmt_challenge.analysis.projection_weights import (
    projection_weight_from_state_dict, top_projection_weights)
from mmt_challenge.models.heads import MultiDatasetHead


def make_head():
    return MultiDatasetHead(
        in_channels=8,
        datasets=[
            dict(name='a', num_classes=5, multi_label=True),
            dict(name='b', num_classes=3)
        ],
        projection_init_std=0.02)


def test_top_projection_weights_against_sorting():
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(4, 6, generator=gen)
    rows = top_projection_weights(weight, 3, src_classes=list('uvwxyz'),
                                  dst_classes=['p', 'q', 'r', 's'])
    assert len(rows) == 12
    for i, dst in enumerate('pqrs'):
        order = sorted(range(6), key=lambda j: -float(weight[i, j]))[:3]
        mine = [r for r in rows if r['dst_class'] == dst]
        assert [r['src_index'] for r in mine] == order
        assert [r['rank'] for r in mine] == [1, 2, 3]
        assert [r['src_class'] for r in mine] == ['uvwxyz'[j] for j in order]
        assert [r['weight'] for r in mine] == pytest.approx(
            [float(weight[i, j]) for j in order])


def test_top_projection_weights_filter_and_default_names():
    weight = torch.eye(3)
    rows = top_projection_weights(weight, 1, dst_filter=['2'])
    assert rows == [dict(dst_index=2, dst_class='2', rank=1, src_index=2,
                         src_class='2', weight=1.0)]


def test_top_projection_weights_errors():
    with pytest.raises(ValueError, match=r'k must be in \[1, 3\], got 4'):
        top_projection_weights(torch.eye(3), 4)
    with pytest.raises(ValueError, match='2 names for 3 classes'):
        top_projection_weights(torch.eye(3), 1, src_classes=['a', 'b'])
    with pytest.raises(ValueError, match='unknown target classes'):
        top_projection_weights(torch.eye(3), 1, dst_filter=['x'])
    with pytest.raises(ValueError, match=r'\[C_dst, C_src\]'):
        top_projection_weights(torch.ones(3), 1)


def test_projection_weight_from_state_dict():
    head = make_head()
    state = {f'module.cls_head.{k}': v for k, v in head.state_dict().items()}
    assert torch.equal(
        projection_weight_from_state_dict(state, 'b', 'a'),
        head.projections['a']['b'].weight)
    with pytest.raises(ValueError, match=r"\('a', 'b'\)"):
        projection_weight_from_state_dict(state, 'a', 'z')
