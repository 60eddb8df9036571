"""tools/analysis/member_table.py and tools/analysis/per_kind_map.py."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from mmt_challenge.analysis import format_kind_map_table, kind_maps
from mmt_challenge.datasets import (class_indices_by_kind,
                                    labels_to_multi_hot, read_list_file)

from .conftest import ROOT, run_tool

MINI = osp.join(ROOT, 'configs/mini')


def test_member_table_cli(tmp_path):
    # The rows themselves: tests/analysis/test_member_table.py.
    config = osp.join(MINI, 'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
    out = tmp_path / 'members.md'
    result = run_tool('tools/analysis/member_table.py', config, '--out',
                      str(out))
    lines = out.read_text().splitlines()
    assert result.stdout.endswith(out.read_text())
    assert len(lines) == 3
    assert lines[2].startswith(
        '| `tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb` | TSN | ResNet R18 |')


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
    return dict(path=str(path), ann=ann)


def test_per_kind_map_cli(tiny_mini_mmit, dumped_predictions):
    # The numbers themselves: tests/analysis/test_per_kind_map.py.
    d = dumped_predictions
    classes = osp.join(osp.dirname(tiny_mini_mmit['root']), 'classes.json')
    result = run_tool('tools/analysis/per_kind_map.py', '--ann', d['ann'],
                      '--classes', classes, d['path'], f'copy={d["path"]}')
    maps = kind_maps(d['path'], d['ann'], class_indices_by_kind(classes),
                     name='member')
    # a bare path is named after its folder
    assert result.stdout == format_kind_map_table(
        dict(member=maps, copy=maps), ['motion', 'appearance'])
