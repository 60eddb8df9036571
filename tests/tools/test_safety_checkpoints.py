"""Checkpoints must fit, through the tools: a checkpoint of another
architecture, a file that is not a checkpoint and a fine-tuning checkpoint
of another label space are refused with the config, the checkpoint and the
first differing keys named; the documented fine-tuning switch works. Every
input is byte-identical afterwards."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmt_challenge.testing import build_recognizer
from .conftest import ROOT, run_in_process, snapshot, write_tiny_config

MINI_TSN = osp.join(ROOT,
                    'configs/mini/tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
MINI_SLOWFAST = osp.join(
    ROOT, 'configs/mini/slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py')


def _save_initial_weights(config, path, **cfg_options):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(cfg_options)
    model = build_recognizer(cfg, device='cpu')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return str(path)


@pytest.fixture(scope='module')
def setup(tiny_mini_mmit, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('checkpoints')
    return dict(
        tsn=write_tiny_config(tmp / 'tiny_tsn.py', tiny_mini_mmit,
                              base=MINI_TSN, max_epochs=1),
        slowfast=write_tiny_config(tmp / 'tiny_slowfast.py', tiny_mini_mmit,
                                   base=MINI_SLOWFAST),
        tsn_checkpoint=_save_initial_weights(MINI_TSN, tmp / 'tsn.pth'),
        data=tiny_mini_mmit)


@pytest.mark.parametrize('tool', ['test.py', 'dense_test.py'])
def test_a_checkpoint_of_another_architecture_is_refused(
        setup, tool, tmp_path, monkeypatch, capsys):
    inputs = snapshot(setup['slowfast'], setup['tsn_checkpoint'],
                      setup['data']['lists']['testing'])
    out = tmp_path / 'scores.npz'
    extra = ['--out', out] if tool == 'dense_test.py' else [
        '--work-dir', tmp_path / 'work'
    ]
    code, _, err = run_in_process(monkeypatch, capsys, tool,
                                  setup['slowfast'], setup['tsn_checkpoint'],
                                  *extra)
    assert code == 1
    assert (f"checkpoint {setup['tsn_checkpoint']} does not fit the model of "
            f"{setup['slowfast']}") in err
    assert "missing from the checkpoint ('backbone.slow_path" in err
    assert "unexpected checkpoint key(s) ('backbone." in err
    assert not out.exists()
    assert snapshot(*inputs) == inputs


def test_a_text_file_as_checkpoint_says_so(setup, tmp_path, monkeypatch,
                                           capsys):
    notes = tmp_path / 'epoch_1.pth'
    notes.write_text('not a checkpoint\n')
    code, _, err = run_in_process(monkeypatch, capsys, 'test.py',
                                  setup['tsn'], notes, '--work-dir',
                                  tmp_path / 'work')
    assert code == 1
    assert f'{notes} is not a PyTorch checkpoint' in err
    assert notes.read_text() == 'not a checkpoint\n'


def test_fine_tuning_to_a_new_label_space_needs_the_switch(
        setup, tmp_path, monkeypatch, capsys):
    other_labels = _save_initial_weights(
        MINI_TSN, tmp_path / 'five_classes.pth',
        **{'model.cls_head.num_classes': 5})
    inputs = snapshot(other_labels, setup['tsn'])
    common = (setup['tsn'], '--no-validate', '--cfg-options',
              f'load_from={other_labels}', 'optim_wrapper.optimizer.lr=0.0')
    code, _, err = run_in_process(monkeypatch, capsys, 'train.py', *common,
                                  '--work-dir', tmp_path / 'refused')
    assert code == 1
    assert "'cls_head.fc_cls.weight': checkpoint (5, 512)" in err
    assert "load_from_options = dict(drop_prefixes=['cls_head.'])" in err
    assert not (tmp_path / 'refused' / 'epoch_1.pth').exists()

    work = tmp_path / 'fine_tuned'
    code, _, err = run_in_process(
        monkeypatch, capsys, 'train.py', *common,
        "load_from_options.drop_prefixes=['cls_head.']", '--work-dir', work)
    assert code == 0, err
    tuned = torch.load(work / 'epoch_1.pth', map_location='cpu',
                       weights_only=True)['state_dict']
    source = torch.load(other_labels, weights_only=True)['state_dict']
    # lr 0: the backbone is still the checkpoint's, the head has 14 classes
    assert torch.equal(tuned['backbone.conv1.conv.weight'],
                       source['backbone.conv1.conv.weight'])
    assert tuned['cls_head.fc_cls.weight'].shape[0] == setup['data'][
        'num_classes']
    assert snapshot(*inputs) == inputs


def test_load_from_is_never_overwritten_by_the_run(setup, tmp_path,
                                                   monkeypatch, capsys):
    work = tmp_path / 'work'
    work.mkdir()
    checkpoint = work / 'epoch_1.pth'
    checkpoint.write_bytes(open(setup['tsn_checkpoint'], 'rb').read())
    inputs = snapshot(checkpoint)
    code, _, err = run_in_process(monkeypatch, capsys, 'train.py',
                                  setup['tsn'], '--work-dir', work,
                                  '--cfg-options', f'load_from={checkpoint}')
    assert code == 1
    assert f'load_from {checkpoint} lies in the work dir' in err
    assert snapshot(checkpoint) == inputs


def test_a_typo_in_cfg_options_stops_before_any_work(setup, tmp_path,
                                                     monkeypatch, capsys):
    code, _, err = run_in_process(
        monkeypatch, capsys, 'train.py', setup['tsn'], '--work-dir',
        tmp_path / 'work', '--cfg-options', 'optim_wrapper.optimizer.lr_=0.1')
    assert code == 1
    assert ("--cfg-options optim_wrapper.optimizer.lr_: the config has no "
            "'optim_wrapper.optimizer.lr_'") in err
    assert not (tmp_path / 'work').exists()
