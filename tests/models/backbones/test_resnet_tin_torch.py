import inspect
import re

import pytest
import torch
from mmengine.runner import load_checkpoint
from torch import nn

import mmt_challenge  # noqa: F401  first: makes mmaction.models importable
from mmaction.models.backbones.resnet_tin import ResNetTIN
from mmaction.models.backbones.resnet_tsm import ResNetTSM
from mmaction.registry import MODELS
from mmt_challenge.models.backbones import (InterlacedConv, ResNetTINTorch,
                                            TemporalInterlace)


def interlace_keys(state_dict):
    return {k for k in state_dict if '.net1.' in k}


def test_documented_defaults_match_signature(documented_defaults):
    signature = inspect.signature(ResNetTINTorch)
    documented = documented_defaults(ResNetTINTorch)
    assert documented == {
        'num_segments': '8',
        'is_tin': 'True',
        'shift_div': '4'
    }
    for name, value in documented.items():
        assert repr(signature.parameters[name].default) == value


def test_registered_apart_from_mmaction2():
    assert MODELS.get('ResNetTINTorch') is ResNetTINTorch
    assert MODELS.get('ResNetTIN') is ResNetTIN


def test_structure_r50():
    model = ResNetTINTorch(50)
    for layer_name in model.res_layers:
        for block in getattr(model, layer_name):
            wrapper = block.conv1.conv
            assert isinstance(wrapper, InterlacedConv)
            assert isinstance(wrapper.net1, TemporalInterlace)
            assert isinstance(wrapper.net2, nn.Conv2d)
            assert wrapper.net1.in_channels == wrapper.net2.in_channels
            assert (wrapper.net1.num_segments, wrapper.net1.shift_div) == (8,
                                                                           4)
    assert not any(
        isinstance(m, InterlacedConv)
        for m in ResNetTINTorch(50, is_tin=False).modules())


def test_forward_backward_r50():
    # The acceptance check: TIN-R50 trains on CPU (1 clip x 8 frames, 32 px).
    model = MODELS.build(
        dict(type='ResNetTINTorch', depth=50, pretrained=None))
    model.init_weights()  # pretrained=None, pretrained2d=True: from scratch
    model.train()
    x = torch.randn(8, 3, 32, 32)
    out = model(x)
    assert out.shape == (8, 2048, 1, 1)
    out.square().mean().backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
    offset_grad = model.layer2[1].conv1.conv.net1.offset_net.fc2.bias.grad
    assert offset_grad.abs().sum() > 0


def test_mmaction2_state_dict_loads_and_matches(mmcv_ops_tin_shift):
    torch.manual_seed(0)
    theirs = ResNetTIN(
        depth=50, pretrained=None, pretrained2d=False, shift_div=4)
    ours = ResNetTINTorch(50, pretrained=None)
    theirs.eval()  # MMAction2's ResNet.train returns None: no chaining
    ours.eval()
    result = ours.load_state_dict(theirs.state_dict(), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
    # and back: a state dict of ours loads into MMAction2's
    theirs.load_state_dict(ours.state_dict(), strict=True)


def test_tsm_weights_load_into_tin():
    tsm = ResNetTSM(depth=50, pretrained=None, pretrained2d=False)
    tsm.init_weights()
    tin = ResNetTINTorch(50)
    tsm_state = tsm.state_dict()
    assert any('.conv1.conv.net.weight' in k for k in tsm_state)
    result = tin.load_state_dict(tsm_state, strict=False)
    assert result.unexpected_keys == []
    assert set(result.missing_keys) == interlace_keys(tin.state_dict())
    for key, value in tin.state_dict().items():
        if '.net1.' in key:
            continue
        source = key.replace('.conv.net2.', '.conv.net.')
        assert torch.equal(value, tsm_state[source]), key


def test_tsm_r101_unshifted_blocks_load_into_tin():
    # ResNet-101 TSM shifts every other block of layer3; TIN wraps them all.
    tsm_state = ResNetTSM(
        depth=101, pretrained=None, pretrained2d=False).state_dict()
    assert 'layer3.1.conv1.conv.weight' in tsm_state
    assert 'layer3.2.conv1.conv.net.weight' in tsm_state
    tin = ResNetTINTorch(101)
    result = tin.load_state_dict(tsm_state, strict=False)
    assert result.unexpected_keys == []
    assert set(result.missing_keys) == interlace_keys(tin.state_dict())
    assert torch.equal(tin.layer3[1].conv1.conv.net2.weight,
                       tsm_state['layer3.1.conv1.conv.weight'])


def test_tsm_checkpoint_through_mmengine(tmp_path):
    # What `load_from` and `pretrained` do: mmengine's load_checkpoint on a
    # checkpoint with a `state_dict` and a prefix (here a recognizer's).
    tsm = ResNetTSM(depth=50, pretrained=None, pretrained2d=False)
    tsm.init_weights()
    state = {f'backbone.{k}': v for k, v in tsm.state_dict().items()}
    path = tmp_path / 'tsm.pth'
    torch.save({'state_dict': state, 'meta': {}}, path)
    recognizer = nn.Module()
    recognizer.backbone = ResNetTINTorch(50)
    load_checkpoint(recognizer, str(path), map_location='cpu')
    torch.testing.assert_close(
        recognizer.backbone.layer4[2].conv1.conv.net2.weight,
        tsm.layer4[2].conv1.conv.net.weight, rtol=0, atol=0)

    backbone_path = tmp_path / 'tsm_backbone.pth'
    torch.save({'state_dict': tsm.state_dict()}, backbone_path)
    tin = ResNetTINTorch(
        50, pretrained=str(backbone_path), pretrained2d=False)
    tin.init_weights()
    torch.testing.assert_close(
        tin.layer1[0].conv1.conv.net2.weight,
        tsm.layer1[0].conv1.conv.net.weight, rtol=0, atol=0)


def torchvision_names(state_dict):
    """MMAction2 ResNet names -> torchvision's (what pretrained2d reads)."""
    renamed = {}
    for key, value in state_dict.items():
        key = re.sub(r'^conv1\.conv\.', 'conv1.', key)
        key = re.sub(r'^conv1\.bn\.', 'bn1.', key)
        key = re.sub(r'\.conv(\d)\.conv\.', r'.conv\1.', key)
        key = re.sub(r'\.conv(\d)\.bn\.', r'.bn\1.', key)
        key = key.replace('.downsample.conv.', '.downsample.0.')
        key = key.replace('.downsample.bn.', '.downsample.1.')
        renamed[key] = value
    return renamed


def test_imagenet_2d_weights_load(tmp_path):
    # The full configs' path: pretrained='torchvision://resnet50' with
    # pretrained2d=True, here from a local file in torchvision's naming.
    torch.manual_seed(0)
    resnet = MODELS.build(dict(type='ResNet', depth=50, pretrained=None))
    resnet.init_weights()
    for param in resnet.parameters():  # make every tensor distinctive
        nn.init.normal_(param)
    path = tmp_path / 'resnet50_torchvision.pth'
    torch.save(torchvision_names(resnet.state_dict()), path)
    tin = ResNetTINTorch(50, pretrained=str(path), pretrained2d=True)
    tin.init_weights()
    source = resnet.state_dict()
    loaded = 0
    for key, value in tin.state_dict().items():
        if '.net1.' in key or key.endswith('num_batches_tracked'):
            continue
        assert torch.equal(value, source[key.replace('.net2.', '.')]), key
        loaded += 1
    assert loaded == len(
        [k for k in source if not k.endswith('num_batches_tracked')])


def test_tin_from_tsm_with_fixed_interlace_is_tsm(fix_interlace):
    # TSM weights, offsets fixed at -1 and weights at 1: the TIN backbone
    # (shift_div 4) computes exactly what the TSM backbone (shift_div 8) does.
    torch.manual_seed(0)
    tsm = ResNetTSM(
        depth=50, pretrained=None, pretrained2d=False, shift_div=8)
    tsm.init_weights()
    tin = ResNetTINTorch(50, shift_div=4)
    tsm.eval()
    tin.eval()
    tin.load_state_dict(tsm.state_dict(), strict=False)
    for module in tin.modules():
        if isinstance(module, TemporalInterlace):
            fix_interlace(module)
    x = torch.randn(8, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(tin(x), tsm(x))


def test_temporal_pool_unsupported():
    with pytest.raises(ValueError, match='temporal_pool=True is not '
                       'supported by TIN'):
        ResNetTINTorch(50, temporal_pool=True)
