"""Checkpoints must fit: every misfit is an error naming config, checkpoint
and keys; only the documented exceptions pass, each asked for explicitly."""
import pytest
import torch
from torch import nn

from mmt_challenge.engine import (CheckpointMismatchError, LoadFromOptions,
                                  load_fitting_checkpoint, read_checkpoint)
from mmt_challenge.models.backbones import ResNetTINTorch
from mmaction.models.backbones import ResNetTSM  # noqa: I001  after the fix


class Net(nn.Module):
    """backbone + cls_head, as a recognizer names them."""

    def __init__(self, num_classes=4, width=6):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Linear(3, width), nn.BatchNorm1d(width))
        self.cls_head = nn.Module()
        self.cls_head.fc_cls = nn.Linear(width, num_classes)


def _save(tmp_path, model, name='ckpt.pth', **extra):
    path = tmp_path / name
    torch.save(dict(state_dict=model.state_dict(), meta={}, **extra), path)
    return str(path)


def _load(model, path, **kwargs):
    return load_fitting_checkpoint(
        model, path, config_name='configs/x.py', **kwargs)


def test_a_fitting_checkpoint_loads_every_tensor(tmp_path):
    source = Net()
    path = _save(tmp_path, source)
    target = Net()
    _load(target, path)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_module_prefix_of_a_wrapped_model_is_removed(tmp_path):
    source = Net()
    state = {f'module.{k}': v for k, v in source.state_dict().items()}
    path = tmp_path / 'ddp.pth'
    torch.save(dict(state_dict=state), path)
    target = Net()
    _load(target, str(path))
    assert torch.equal(target.cls_head.fc_cls.weight,
                       source.cls_head.fc_cls.weight)


def test_shape_mismatch_names_config_checkpoint_key_and_shapes(tmp_path):
    path = _save(tmp_path, Net(num_classes=7))
    target = Net(num_classes=4)
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(CheckpointMismatchError) as error:
        _load(target, path)
    message = str(error.value)
    assert path in message and 'configs/x.py' in message
    assert "'cls_head.fc_cls.weight': checkpoint (7, 6), model (4, 6)" in (
        message)
    # refused before anything was copied
    assert all(torch.equal(before[k], v)
               for k, v in target.state_dict().items())


def test_missing_and_unexpected_keys_are_named(tmp_path):
    source = Net()
    state = source.state_dict()
    del state['cls_head.fc_cls.bias']
    state['neck.extra'] = torch.zeros(2)
    path = tmp_path / 'odd.pth'
    torch.save(dict(state_dict=state), path)
    with pytest.raises(CheckpointMismatchError,
                       match=r"1 model key\(s\) missing from the checkpoint "
                       r"\('cls_head.fc_cls.bias'\); 1 unexpected checkpoint "
                       r"key\(s\) \('neck.extra'\)"):
        _load(Net(), str(path))


def test_another_architecture_is_refused(tmp_path):
    path = _save(tmp_path, nn.Sequential(nn.Conv2d(3, 4, 3)))
    with pytest.raises(CheckpointMismatchError,
                       match=r"missing from the checkpoint \('backbone.0"):
        _load(Net(), path)


def test_drop_prefixes_fine_tunes_to_a_new_label_space(tmp_path):
    source = Net(num_classes=7)
    path = _save(tmp_path, source)
    target = Net(num_classes=4)
    head = target.cls_head.fc_cls.weight.clone()
    _load(target, path,
          options=LoadFromOptions.from_config(
              dict(drop_prefixes=['cls_head.'])))
    assert torch.equal(target.backbone[0].weight, source.backbone[0].weight)
    assert torch.equal(target.cls_head.fc_cls.weight, head)  # kept at init


def test_tsm_checkpoint_initialises_tin_only_when_allowed(tmp_path):
    def recognizer(backbone):
        model = nn.Module()
        model.backbone = backbone
        return model

    tsm = recognizer(ResNetTSM(18, pretrained=None, pretrained2d=False))
    path = _save(tmp_path, tsm)
    tin = recognizer(ResNetTINTorch(18, pretrained=None, pretrained2d=False))
    with pytest.raises(CheckpointMismatchError, match=r'\.net1\.'):
        _load(tin, path)
    tin = recognizer(ResNetTINTorch(18, pretrained=None, pretrained2d=False))
    _load(tin, path,
          options=LoadFromOptions(allow_missing=('backbone.*.net1.*', )))
    assert torch.equal(tin.backbone.layer2[1].conv1.conv.net2.weight,
                       tsm.backbone.layer2[1].conv1.conv.net.weight)


def test_options_are_checked():
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['drop'\]"):
        LoadFromOptions.from_config(dict(drop=['cls_head.']))
    with pytest.raises(TypeError, match='list of non-empty strings'):
        LoadFromOptions.from_config(dict(drop_prefixes=[3]))


@pytest.mark.parametrize('content, message', [
    (b'just some text\n', 'is not a PyTorch checkpoint'),
    (b'', 'is not a PyTorch checkpoint'),
])
def test_a_file_that_is_not_a_checkpoint_says_so(tmp_path, content, message):
    path = tmp_path / 'notes.pth'
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        read_checkpoint(str(path))
    assert path.read_bytes() == content


def test_a_checkpoint_without_tensors_says_so(tmp_path):
    path = tmp_path / 'meta.pth'
    torch.save(dict(meta=dict(epoch=3)), path)
    with pytest.raises(ValueError, match='holds no tensors'):
        read_checkpoint(str(path))


def test_missing_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint not found'):
        read_checkpoint(str(tmp_path / 'nothing.pth'))
