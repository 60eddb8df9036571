"""The Kinetics-400 starting points of the image-based members load.

Each ``*_kinetics400-pretrained-*`` config fine-tunes from one of MMAction2's
public Kinetics-400 checkpoints. No download here: the checkpoint is made
locally from MMAction2's own Kinetics-400 config of the same architecture
(its recognizer, its 400-class ``TSMHead`` / ``TSNHead``), so it has the key
layout of the published file. Loading it the way fine-tuning does
(``load_from_options``) must leave out only the classifier (and, TSM into
TIN, TIN's new interlace modules); without the options the misfit is an
error.
"""
import glob
import os.path as osp

import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmaction
from mmt_challenge.engine.checkpoint import (CheckpointMismatchError,
                                             LoadFromOptions,
                                             load_fitting_state_dict)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMACTION_CONFIGS = osp.join(
    osp.dirname(mmaction.__file__), '.mim', 'configs', 'recognition')

# member config -> MMAction2's Kinetics-400 config whose checkpoint it loads
SOURCES = {
    'tsn/tsn_kinetics400-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb.py':
    'tsn/tsn_imagenet-pretrained-r101_8xb32-1x1x8-100e_kinetics400-rgb.py',
    'tsm/tsm_kinetics400-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py':
    'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py',
    'tsm/tsm_kinetics400-pretrained-r50_8xb16-1x1x16-50e_mmit-rgb.py':
    'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x16-50e_kinetics400-rgb.py',
    'tin/tin_kinetics400-pretrained-r50_8xb16-1x1x8-50e_mmit-rgb.py':
    'tin/tin_kinetics400-pretrained-tsm-r50_1x1x8-50e_kinetics400-rgb.py',
    'tin/tin_kinetics400-pretrained-tsm-r50_8xb16-1x1x8-50e_mmit-rgb.py':
    'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py',
}
CLASSIFIER = {'cls_head.fc_cls.weight', 'cls_head.fc_cls.bias'}


def _build(model_cfg: dict) -> torch.nn.Module:
    init_default_scope('mmaction')
    torch.manual_seed(0)
    return MODELS.build(model_cfg)


def _kinetics_checkpoint(source: str) -> dict:
    """A checkpoint in the layout of MMAction2's published one: its
    recognizer built from its own config, random weights, no download."""
    cfg = Config.fromfile(osp.join(MMACTION_CONFIGS, source))
    cfg.model.backbone.pretrained = None
    if cfg.model.backbone.type in ('ResNetTSM', 'ResNetTIN'):
        cfg.model.backbone.pretrained2d = False  # else it loads ImageNet
    model = _build(cfg.model)
    assert model.cls_head.fc_cls.out_features == 400
    return dict(meta=dict(source=source), state_dict=model.state_dict())


def test_every_kinetics_config_is_covered():
    found = {
        osp.relpath(p, osp.join(ROOT, 'configs'))
        for family in ('tsn', 'tsm', 'tin', 'trn')
        for p in glob.glob(
            osp.join(ROOT, 'configs', family, '*kinetics400-pretrained*'))
    }
    assert found == set(SOURCES)


@pytest.mark.parametrize('config', sorted(SOURCES))
def test_kinetics_checkpoint_loads_all_but_the_classifier(config):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', config))
    checkpoint = _kinetics_checkpoint(SOURCES[config])
    model = _build(cfg.model)
    options = LoadFromOptions.from_config(cfg.load_from_options)
    classifier_before = model.cls_head.fc_cls.weight.detach().clone()

    # Without the options the 400-class classifier does not fit (refused
    # before any weight is loaded).
    with pytest.raises(CheckpointMismatchError, match='cls_head.fc_cls'):
        load_fitting_state_dict(model, checkpoint, checkpoint_name=config)

    load_fitting_state_dict(
        model, checkpoint, checkpoint_name=config, options=options)

    # Backbone weights are the checkpoint's; the classifier is the 313-class
    # initialisation.
    state = model.state_dict()
    for key, value in checkpoint['state_dict'].items():
        if key.startswith('backbone.') and key in state:
            assert torch.equal(state[key], value), key
    if 'tsm-r50' in config:  # TSM's names map onto TIN's wrapped convs
        conv = 'backbone.layer1.0.conv1.conv'
        assert torch.equal(state[f'{conv}.net2.weight'],
                           checkpoint['state_dict'][f'{conv}.net.weight'])
    assert model.cls_head.fc_cls.out_features == 313
    assert torch.equal(model.cls_head.fc_cls.weight, classifier_before)

    # What a plain load of the kept keys reports: the classifier missing,
    # and for TSM into TIN the interlace modules; nothing unexpected.
    kept = {
        k: v
        for k, v in checkpoint['state_dict'].items()
        if not k.startswith(options.drop_prefixes)
    }
    result = model.load_state_dict(kept, strict=False)
    assert result.unexpected_keys == []
    missing = set(result.missing_keys)
    interlace = {k for k in missing if '.net1.' in k}
    assert missing - interlace == CLASSIFIER
    assert bool(interlace) == ('tsm-r50' in config)
