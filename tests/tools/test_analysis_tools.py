"""tools/analysis/member_table.py and tools/analysis/per_kind_map.py."""
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

from mmt_challenge.datasets import (labels_to_multi_hot, motion_class_indices,
                                    read_list_file)

from .conftest import ROOT, run_tool

MINI = osp.join(ROOT, 'configs/mini')


def test_member_table_rows(tmp_path):
    configs = [
        osp.join(MINI, 'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'),
        osp.join(MINI, 'slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py'),
    ]
    out = tmp_path / 'members.md'
    result = run_tool('tools/analysis/member_table.py', *configs, '--out',
                      str(out))
    lines = out.read_text().splitlines()
    assert result.stdout.endswith(out.read_text())
    assert len(lines) == 2 + len(configs)
    tsn, slowfast = (line.split(' | ') for line in lines[2:])
    assert tsn[1:6] == ['TSN', 'ResNet R18', '8 segments', '48x48',
                        '1 clip x 1 crop']
    assert slowfast[1:6] == ['SlowFast', 'ResNet3dSlowFast R18',
                             '4x8 + 16x2', '48x48', '1 clip x 1 crop']
    assert tsn[6] == 'SGD lr 0.1 Linear+MultiStep, 8 epochs, 1x8'
    # A 2D ResNet-18 on 8 frames of 48 x 48: about 8 x 1.82 GFLOPs (224 x
    # 224) x (48 / 224)^2, a bit more for the feature maps rounded up.
    assert 0.65 < float(tsn[7]) < 0.9
    assert 0 < float(slowfast[7]) < float(tsn[7])
    assert float(tsn[8].rstrip(' |')) == pytest.approx(11.2, abs=0.1)


@pytest.fixture
def dumped_predictions(tiny_mini_mmit, tmp_path):
    """A tools/test.py --dump pickle of the tiny validation list."""
    ann = tiny_mini_mmit['lists']['validation']
    records = read_list_file(ann)
    labels = labels_to_multi_hot(records, tiny_mini_mmit['num_classes'])
    rng = np.random.default_rng(0)
    scores = np.clip(0.6 * labels + rng.uniform(0, 0.7, labels.shape), 0, 1)
    dump = [
        dict(pred_score=torch.from_numpy(s).float(),
             gt_label=torch.from_numpy(l).float())
        for s, l in zip(scores, labels)
    ]
    path = tmp_path / 'member' / 'val.pkl'
    path.parent.mkdir()
    with open(path, 'wb') as f:
        pickle.dump(dump, f)
    return dict(path=str(path), ann=ann, labels=labels,
                scores=scores.astype(np.float32))


def test_per_kind_map_against_scikit_learn(tiny_mini_mmit,
                                           dumped_predictions):
    d = dumped_predictions
    classes = osp.join(osp.dirname(tiny_mini_mmit['root']), 'classes.json')
    result = run_tool('tools/analysis/per_kind_map.py', '--ann', d['ann'],
                      '--classes', classes, d['path'], f'copy={d["path"]}')
    rows = re.findall(r'^\| (\w+) \| (.*) \|$', result.stdout, re.M)
    assert [name for name, _ in rows] == ['member', 'member', 'copy']
    values = [float(v) for v in rows[1][1].split(' | ')]
    motion = motion_class_indices(classes)
    labels, scores = d['labels'], d['scores']
    present = labels[:, motion].any(axis=0)  # classes with a positive
    expected_motion = average_precision_score(
        labels[:, motion][:, present], scores[:, motion][:, present],
        average='macro')
    expected_sample = average_precision_score(
        labels, scores, average='samples')
    assert values[0] == pytest.approx(100 * expected_sample, abs=0.05)
    assert values[2] == pytest.approx(100 * expected_motion, abs=0.05)
    assert rows[2][1] == rows[1][1]
