"""mmt_challenge.analysis.member_table: one row per member config."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmt_challenge.analysis import (describe_test_view, format_member_table,
                                    member_row)

MINI = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs',
    'mini')
TSN = osp.join(MINI, 'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py')
SLOWFAST = osp.join(MINI, 'slowfast_r18_1xb8-4x8x1-8e_mini-mmit-rgb.py')


@pytest.mark.parametrize('config, shape, views', [
    (TSN, (1, 8, 3, 48, 48), '1 clip x 1 crop'),
    (SLOWFAST, (1, 1, 3, 16, 48, 48), '1 clip x 1 crop'),
], ids=['tsn', 'slowfast'])
def test_describe_test_view(config, shape, views):
    view = describe_test_view(Config.fromfile(config))
    assert view['shape'] == shape
    assert (view['crop'], view['views']) == (48, views)


def test_describe_test_view_needs_one_crop_step():
    cfg = Config.fromfile(TSN)
    pipeline = cfg.test_dataloader.dataset.pipeline
    cfg.test_dataloader.dataset.pipeline = [
        t for t in pipeline if t['type'] != 'CenterCrop'
    ]
    with pytest.raises(ValueError, match='found 0'):
        describe_test_view(cfg)


@pytest.fixture(scope='module')
def rows():
    return [member_row(TSN), member_row(SLOWFAST)]


def test_member_rows(rows):
    tsn, slowfast = rows
    assert [tsn[k] for k in ('member', 'family', 'backbone', 'frames',
                             'input', 'views')] == [
        'tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb', 'TSN', 'ResNet R18',
        '8 segments', '48x48', '1 clip x 1 crop'
    ]
    assert [slowfast[k] for k in ('family', 'backbone', 'frames')] == [
        'SlowFast', 'ResNet3dSlowFast R18', '4x8 + 16x2'
    ]
    assert tsn['schedule'] == 'SGD lr 0.1 Linear+MultiStep, 8 epochs, 1x8'
    # A 2D ResNet-18 on 8 frames of 48 x 48: about 8 x 1.82 GFLOPs (224 x
    # 224) x (48 / 224)^2, a bit more for the feature maps rounded up.
    assert 0.65 < tsn['gflops'] < 0.9
    assert 0 < slowfast['gflops'] < tsn['gflops']
    assert tsn['params'] == pytest.approx(11.2, abs=0.1)


def test_format_member_table(rows):
    lines = format_member_table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[1] == '|---|---|---|---|---|---|---|---:|---:|'
    cells = lines[2].split(' | ')
    assert cells[0] == '| `tsn_r18_1xb8-1x1x8-8e_mini-mmit-rgb`'
    assert cells[7] == f'{rows[0]["gflops"]:.1f}'
    assert cells[8] == f'{rows[0]["params"]:.1f} |'
