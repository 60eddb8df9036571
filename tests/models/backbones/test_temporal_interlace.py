import inspect

import pytest
import torch
from torch import nn

import mmt_challenge  # noqa: F401  first: makes mmaction.models importable
from mmaction.models.backbones.resnet_tin import \
    TemporalInterlace as MMActionTemporalInterlace
from mmaction.models.backbones.resnet_tsm import TemporalShift
from mmaction.registry import MODELS
from mmt_challenge.models.backbones import TemporalInterlace


def test_documented_defaults_match_signature(documented_defaults):
    signature = inspect.signature(TemporalInterlace)
    documented = documented_defaults(TemporalInterlace)
    assert documented == {'num_segments': '8', 'shift_div': '4'}
    for name, value in documented.items():
        assert repr(signature.parameters[name].default) == value


def test_registered():
    assert MODELS.get('TemporalInterlace') is TemporalInterlace
    module = MODELS.build(dict(type='TemporalInterlace', in_channels=64))
    assert (module.num_segments, module.shift_div) == (8, 4)


def test_initial_offsets_and_weights():
    # The biases alone give offsets of 0.5 and weights of 1.
    module = TemporalInterlace(32, num_segments=4)
    assert torch.equal(module.offset_net.fc2.bias, torch.full((2, ), 0.5108))
    assert torch.equal(module.weight_net.conv.bias, torch.zeros(2))
    nn.init.zeros_(module.offset_net.fc2.weight)
    pooled = torch.zeros(3, 8, 4)
    torch.testing.assert_close(
        module.offset_net(pooled), torch.full((3, 2), 0.5), atol=1e-4,
        rtol=0)
    torch.testing.assert_close(module.weight_net(pooled), torch.ones(3, 4, 2))


@pytest.mark.parametrize('channels, num_segments, batch', [(64, 8, 2),
                                                          (32, 4, 3)])
def test_fixed_offsets_equal_tsm_shift(channels, num_segments, batch,
                                      fix_interlace):
    # Offsets -1 (mirrored to +1) and weights 1 with shift_div 4: the first
    # C/8 channels move one frame earlier, the next C/8 one frame later,
    # which is TSM's shift with shift_div 8, bit for bit.
    x = torch.randn(batch * num_segments, channels, 5, 3)
    tsm = TemporalShift.shift(x, num_segments, shift_div=8)
    module = TemporalInterlace(
        channels, num_segments=num_segments, shift_div=4)
    offset = torch.full((batch, 2), -1.)
    weight = torch.ones(batch, num_segments, 2)
    assert torch.equal(module.interlace(x, offset, weight), tsm)
    fix_interlace(module)
    assert torch.equal(module(x), tsm)


def test_matches_mmaction2(mmcv_ops_tin_shift):
    torch.manual_seed(0)
    theirs = MMActionTemporalInterlace(64, num_segments=8, shift_div=4)
    # Spread the offsets over several integer cells and the weights away
    # from 1, so that the comparison covers the whole computation.
    nn.init.normal_(theirs.offset_net.fc2.weight, std=3.)
    nn.init.normal_(theirs.weight_net.conv.weight, std=0.5)
    ours = TemporalInterlace(64, num_segments=8, shift_div=4)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(3 * 8, 64, 4, 4)
    offsets = ours.offset_net(
        x[:, :16].mean((2, 3)).view(3, 8, 16).permute(0, 2, 1))
    assert offsets.floor().unique().numel() > 1
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-6)


def test_forward_gradcheck():
    torch.manual_seed(0)
    module = TemporalInterlace(16, num_segments=4, shift_div=2).double()
    nn.init.normal_(module.offset_net.fc2.weight, std=2.)
    x = torch.randn(2 * 4, 16, 2, 2, dtype=torch.float64, requires_grad=True)
    assert module(x).dtype == torch.float64
    assert torch.autograd.gradcheck(module, (x, ))


def test_interlace_gradcheck_input_offsets_weights():
    module = TemporalInterlace(8, num_segments=4, shift_div=1)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2 * 4, 8, 2, 3, dtype=torch.float64, generator=gen)
    offset = torch.tensor([[0.3, -1.6], [1.45, -0.2]], dtype=torch.float64)
    weight = 2 * torch.rand(2, 4, 2, dtype=torch.float64, generator=gen)
    inputs = tuple(t.requires_grad_(True) for t in (x, offset, weight))
    assert torch.autograd.gradcheck(module.interlace, inputs)


def test_parameters_learn():
    module = TemporalInterlace(16, num_segments=4)
    x = torch.randn(2 * 4, 16, 3, 3)
    (module(x) * torch.randn(2 * 4, 16, 3, 3)).sum().backward()
    for name, param in module.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.parametrize('kwargs, match', [
    (dict(in_channels=30, shift_div=4),
     'in_channels must be a multiple of shift_div, got in_channels=30 and '
     'shift_div=4'),
    (dict(in_channels=24, shift_div=4),
     'multiple of 4, got in_channels=24 and shift_div=4'),
    (dict(in_channels=16, num_segments=0),
     'num_segments must be positive, got 0'),
])
def test_init_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TemporalInterlace(**kwargs)


@pytest.mark.parametrize('shape, match', [
    ((8, 16, 3), r'x must have shape \[N\*T, C, H, W\], got shape'),
    ((8, 32, 3, 3), 'x has 32 channels, expected in_channels=16'),
    ((6, 16, 3, 3), r'the first dim of x \(6\) must be a multiple of '
     'num_segments=4'),
])
def test_forward_errors(shape, match):
    module = TemporalInterlace(16, num_segments=4)
    with pytest.raises(ValueError, match=match):
        module(torch.zeros(shape))


@pytest.mark.parametrize('offset_shape, weight_shape, match', [
    ((2, 4), (2, 4, 2), r'offset must have shape \(2, 2\), got \(2, 4\)'),
    ((2, 2), (2, 2), r'weight must have shape \(2, 4, 2\), got \(2, 2\)'),
])
def test_interlace_errors(offset_shape, weight_shape, match):
    module = TemporalInterlace(16, num_segments=4)
    with pytest.raises(ValueError, match=match):
        module.interlace(
            torch.zeros(8, 16, 3, 3), torch.zeros(offset_shape),
            torch.zeros(weight_shape))
