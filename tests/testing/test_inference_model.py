"""The test-time model copy: same probabilities as MMAction2's model, faster
layout; folded BatchNorms, the layout-keeping TSM shift."""
import copy

import pytest
import torch
from mmcv.cnn import ConvModule
from torch import nn

from mmt_challenge.testing.inference_model import (MemoryFormatTemporalShift,
                                                   fold_conv_bn,
                                                   prepare_inference_model)
from mmaction.models.backbones.resnet_tsm import \
    TemporalShift  # noqa: I001  after mmt_challenge's import fixes


def probabilities(model, views):
    """``[B, C]`` sigmoid probabilities of uint8 views, each a sample."""
    data = model.data_preprocessor(
        dict(inputs=list(views.unbind(0)), data_samples=None), False)
    with torch.no_grad():
        feats, kwargs = model.extract_feat(data['inputs'], test_mode=True)
        return model.cls_head(feats, **kwargs).sigmoid()


def random_views(shape, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)


def batch_norms(model):
    return [
        m for m in model.modules()
        if isinstance(m, nn.modules.batchnorm._BatchNorm)
    ]


@pytest.mark.parametrize('fold_bn, channels_last', [(True, False),
                                                    (False, True),
                                                    (True, True)])
def test_tsm_copy_gives_mmaction_probabilities(tsm_model, fold_bn,
                                               channels_last):
    views = random_views((3, 8, 3, 40, 40))  # [B, T, 3, H, W]
    expected = probabilities(tsm_model, views)
    fast = prepare_inference_model(
        tsm_model, fold_bn=fold_bn, channels_last=channels_last)
    torch.testing.assert_close(
        probabilities(fast, views), expected, rtol=0, atol=1e-5)
    assert expected.std() > 0.05  # the views' probabilities differ
    if fold_bn:
        assert batch_norms(fast) == []  # every BN of the ResNet folded
    shifts = [m for m in fast.modules() if type(m) is TemporalShift]
    assert (shifts == []) == channels_last
    # the original is untouched
    assert len(batch_norms(tsm_model)) == 20
    assert any(type(m) is TemporalShift for m in tsm_model.modules())


def test_folding_changes_the_weights_it_folds(tsm_model):
    folded = copy.deepcopy(tsm_model)
    assert fold_conv_bn(folded) == len(batch_norms(tsm_model))
    conv = folded.backbone.conv1.conv
    assert conv.bias is not None
    assert not torch.allclose(conv.weight, tsm_model.backbone.conv1.conv.weight)
    # a wrapped convolution (TSM's shift around conv1 of a block) is folded
    shift = folded.backbone.layer1[0].conv1.conv
    assert type(shift) is TemporalShift and shift.net.bias is not None


def test_3d_copy_gives_mmaction_probabilities(i3d_model):
    views = random_views((2, 1, 3, 4, 28, 28))  # [B, 1, 3, T, H, W]
    fast = prepare_inference_model(i3d_model)
    torch.testing.assert_close(
        probabilities(fast, views),
        probabilities(i3d_model, views),
        rtol=0,
        atol=1e-5)
    assert batch_norms(fast) == []


def test_norm_before_conv_and_training_mode_are_not_folded():
    pre_norm = ConvModule(
        4, 4, 3, norm_cfg=dict(type='BN'), order=('norm', 'conv', 'act'))
    assert fold_conv_bn(pre_norm.eval()) == 0
    post_norm = ConvModule(4, 4, 3, norm_cfg=dict(type='BN'))
    assert fold_conv_bn(post_norm.train()) == 0
    with pytest.raises(ValueError, match='eval mode'):
        prepare_inference_model(post_norm.train())


@pytest.mark.parametrize('memory_format',
                         [torch.contiguous_format, torch.channels_last])
def test_memory_format_shift_is_mmaction_shift(memory_format):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2 * 4, 16, 3, 5, generator=generator)  # [N*T, C, H, W]
    x = x.contiguous(memory_format=memory_format)
    shift = MemoryFormatTemporalShift.from_temporal_shift(
        TemporalShift(nn.Identity(), num_segments=4, shift_div=8))
    out = shift(x)
    assert torch.equal(out, TemporalShift.shift(x, 4, shift_div=8))
    assert out.is_contiguous(memory_format=memory_format)
