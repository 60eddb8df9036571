"""Multi-dataset training end to end: train, export, test, analyse.

tools/train.py trains the mini MultiTrain config on a tiny mini M-MiT and
mini pair dataset, tools/export_single_dataset.py exports each dataset's
model, tools/test.py tests the mini M-MiT one with the plain single-dataset
config, and tools/analysis/projection_weights.py reads the projections.
"""
import csv
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config

from mmt_challenge.datasets import build_list_file, generate_mini_dataset
from mmt_challenge.datasets.mini_pair import generate_mini_pair_dataset
from mmt_challenge.structures import import_mmaction_dump

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = osp.join(ROOT, 'configs', 'mini')
MULTI = osp.join(CONFIGS,
                 'multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py')
SINGLE_MMIT = osp.join(CONFIGS,
                       'multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-rgb.py')
SINGLE_PAIR = osp.join(CONFIGS,
                       'multitrain_tsm_r18_1xb8-1x1x4-2e_mini-pair-rgb.py')
MAP_LINE = re.compile(r'mmit/sample_mAP: ([\d.]+)')


def run_tool(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore')
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f'{args} failed:\n{result.stdout[-3000:]}\n'
                             f'{result.stderr[-5000:]}')
    return result.stdout + result.stderr


def tiny_data(out, generate, num_classes):
    info = generate(out, num_train=16, num_val=8, num_test=8, size=32,
                    num_frames=8)
    lists = {}
    for split, csv_file in info['ann_files'].items():
        lists[split] = str(out.parent / f'{out.name}_{split}.txt')
        build_list_file(csv_file, info['video_root'], lists[split],
                        num_classes=num_classes)
    return dict(root=info['video_root'], lists=lists,
                label_map=info['label_map'],
                classes_json=info['classes_json'])


def loader(ann_file, root):
    return (f"dict(batch_size=4, num_workers=0, persistent_workers=False, "
            f"dataset=dict(ann_file={ann_file!r}, "
            f"data_prefix=dict(video={root!r})))")


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work = tmp_path_factory.mktemp('multitrain')
    mmit = tiny_data(work / 'mini_mmit', generate_mini_dataset, 14)
    pair = tiny_data(work / 'mini_pair', generate_mini_pair_dataset, 8)
    config = work / 'tiny_multitrain.py'
    config.write_text(f"""
_base_ = [{MULTI!r}]
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(sources=[
        dict(name='mmit', num_classes=14, dataset=dict(
            type='MultiLabelVideoDataset', num_classes=14,
            ann_file={mmit['lists']['training']!r},
            data_prefix=dict(video={mmit['root']!r}),
            pipeline=_base_.train_pipeline)),
        dict(name='pair', num_classes=8, dataset=dict(
            type='VideoDataset', ann_file={pair['lists']['training']!r},
            data_prefix=dict(video={pair['root']!r}),
            pipeline=_base_.train_pipeline)),
    ]))
val_dataloader = {loader(mmit['lists']['validation'], mmit['root'])}
train_cfg = dict(max_epochs=1, val_interval=1)
default_hooks = dict(logger=dict(interval=1))
""")
    log = run_tool('tools/train.py', str(config), '--work-dir', str(work),
                   '--seed', '0')
    return dict(work=work, config=str(config), log=log, mmit=mmit,
                pair=pair, checkpoint=str(work / 'epoch_1.pth'))


def test_training_logs_every_loss_and_validates_the_target_head(trained):
    log = trained['log']
    for key in ('loss_cls_mmit', 'loss_proj_mmit', 'loss_cls_pair',
                'loss_proj_pair', 'loss_variance', 'loss_covariance'):
        assert f'{key}: ' in log, key
    assert len(MAP_LINE.findall(log)) == 1
    assert osp.isfile(trained['checkpoint'])


def test_exported_model_tests_with_the_single_dataset_config(trained,
                                                             tmp_path):
    exported = tmp_path / 'mmit.pth'
    out = run_tool('tools/export_single_dataset.py', trained['config'],
                   trained['checkpoint'], '--dataset', 'mmit', '--out',
                   str(exported))
    assert "Saved 'mmit' (14 classes" in out
    checkpoint = torch.load(exported, map_location='cpu')
    assert checkpoint['meta']['dataset'] == 'mmit'
    assert not any('projections' in k or 'informative_loss' in k
                   for k in checkpoint['state_dict'])

    # the plain single-dataset config with the exported checkpoint scores
    # the test videos exactly as the multi-dataset model's M-MiT head
    mmit = trained['mmit']
    test_loader = loader(mmit['lists']['testing'], mmit['root'])
    config = tmp_path / 'tiny_single.py'
    config.write_text(f"_base_ = [{SINGLE_MMIT!r}]\n"
                      f"test_dataloader = {test_loader}\n")
    multi = tmp_path / 'tiny_multi_test.py'
    multi.write_text(f"_base_ = [{trained['config']!r}]\n"
                     f"test_dataloader = {test_loader}\n")
    dumps = {}
    for name, cfg, weights in (('single', config, exported),
                               ('multi', multi, trained['checkpoint'])):
        dumps[name] = tmp_path / f'{name}.pkl'
        log = run_tool('tools/test.py', str(cfg), str(weights), '--work-dir',
                       str(tmp_path / name), '--dump', str(dumps[name]))
        assert 'missing keys' not in log and 'unexpected key' not in log
        values = MAP_LINE.findall(log)
        assert len(values) == 1 and 0 < float(values[0]) <= 1
    single, multi = (import_mmaction_dump(
        str(dumps[n]), ann_file=mmit['lists']['testing'])
                     for n in ('single', 'multi'))
    assert single.scores.shape == (8, 1, 14)
    assert single.video_ids.tolist() == multi.video_ids.tolist()
    np.testing.assert_allclose(single.scores, multi.scores, atol=1e-6)
    assert single.scores.std(axis=0).max() > 1e-4  # videos scored apart


def test_pair_export_loads_strictly_into_its_single_dataset_model(
        trained, tmp_path):
    exported = tmp_path / 'pair.pth'
    run_tool('tools/export_single_dataset.py', trained['config'],
             trained['checkpoint'], '--dataset', 'pair', '--out',
             str(exported))
    model = MODELS.build(Config.fromfile(SINGLE_PAIR).model)
    state = torch.load(exported, map_location='cpu')['state_dict']
    model.load_state_dict(state, strict=True)
    trained_state = torch.load(trained['checkpoint'],
                               map_location='cpu')['state_dict']
    assert torch.equal(model.cls_head.fc_cls.weight,
                       trained_state['cls_head.heads.pair.weight'])


def test_projection_tool_prints_and_saves_the_top_k(trained, tmp_path):
    out_csv = tmp_path / 'projections.csv'
    log = run_tool('tools/analysis/projection_weights.py',
                   trained['checkpoint'], '--src', 'mmit', '--dst', 'pair',
                   '--src-classes', trained['mmit']['label_map'],
                   '--dst-classes', trained['pair']['label_map'], '--topk',
                   '2', '--related', trained['pair']['classes_json'],
                   '--out', str(out_csv))
    assert '| pair class | rank | mmit class | weight | related |' in log
    assert re.search(r'Related pairs among the top 2: \d+ of 14', log)
    with open(out_csv) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 * 2
    assert set(rows[0]) == {'dst_class', 'rank', 'src_class', 'weight',
                            'related'}
    assert rows[0]['dst_class'] == 'round_shape'
    state = torch.load(trained['checkpoint'],
                       map_location='cpu')['state_dict']
    weight = state['cls_head.projections.pair.mmit.weight']
    assert float(rows[0]['weight']) == pytest.approx(
        weight[0].max().item(), rel=1e-5)
