"""tools/ensemble.py end to end: table, CSV, weights, plots, test split."""
import importlib.util
import json
import os
import os.path as osp
import sys

import numpy as np
import pandas as pd
import pytest

from mmt_challenge.structures import load_score_file

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool(name):
    spec = importlib.util.spec_from_file_location(
        f'tools_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(monkeypatch, name, *argv):
    monkeypatch.setattr(sys, 'argv', [f'{name}.py', *argv])
    _tool(name).main()


@pytest.fixture
def recipe(member_files, tmp_path):
    paths, list_file, video_ids, labels = member_files(
        num_members=3, num_videos=60, num_classes=8, signal=1.5)
    templates = [p[:-len('val.npz')] + '{split}.npz' for p in paths]
    members = ',\n    '.join(
        f"dict(name='m{i}', score_file={t!r}, scales=[224, 256])"
        for i, t in enumerate(templates))
    path = tmp_path / 'toy_recipe.py'
    path.write_text(f"""members = [
    {members}
]
fusion = dict(type='weighted_mean')
search = dict(method='coordinate_ascent', folds=3, seed=0)
bootstrap = dict(num_samples=200)
""")
    return str(path), paths, list_file, video_ids


def test_validation_run_writes_the_report(recipe, tmp_path, monkeypatch,
                                          capsys):
    recipe_path, paths, list_file, video_ids = recipe
    out = str(tmp_path / 'out' / 'val_fused.npz')
    report = str(tmp_path / 'report')
    _run(monkeypatch, 'ensemble', recipe_path, '--ann', list_file, '--out',
         out, '--report', report)
    printed = capsys.readouterr().out
    assert 'ensemble k-fold' in printed
    assert 'honest estimate (3-fold' in printed
    assert '95% bootstrap CI' in printed

    summary = pd.read_csv(osp.join(report, 'summary.csv'))
    assert summary['kind'].tolist() == ['scale'] * 6 + ['member'] * 3 + [
        'ensemble', 'ensemble k-fold'
    ]
    assert summary.loc[summary['kind'] == 'scale', 'scale'].tolist() == [
        224, 256
    ] * 3
    for column in ('sample_mAP', 'macro_mAP', 'micro_mAP'):
        assert summary[column].between(0, 1).all()
    ensemble = summary[summary['kind'] == 'ensemble'].iloc[0]
    assert ensemble.ci_low <= ensemble.sample_mAP <= ensemble.ci_high
    for column in ('sample_mAP', 'macro_mAP', 'micro_mAP'):
        assert f'{ensemble[column]:.4f}' in printed

    weights = json.load(open(osp.join(report, 'weights.json')))
    assert weights['source'] == 'search'
    assert sum(weights['weights'].values()) == pytest.approx(1)
    folds = pd.read_csv(osp.join(report, 'folds.csv'))
    assert len(folds) == 3 and folds['videos'].sum() == 60
    per_class = pd.read_csv(osp.join(report, 'per_class_ap.csv'))
    assert per_class.columns.tolist() == [
        'class_name', 'ensemble', 'best_member'
    ]
    for png in ('members.png', 'weights.png', 'per_class_ap.png'):
        with open(osp.join(report, png), 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'

    fused = load_score_file(out)
    assert fused.video_ids.tolist() == video_ids
    assert fused.meta['weights'] == weights['weights']


def test_test_split_applies_validation_weights(recipe, tmp_path,
                                                monkeypatch):
    recipe_path, paths, list_file, video_ids = recipe
    for path in paths:  # the "test" score files: same videos, no labels
        with open(path, 'rb') as src, open(
                path[:-len('val.npz')] + 'test.npz', 'wb') as dst:
            dst.write(src.read())
    report = str(tmp_path / 'report')
    _run(monkeypatch, 'ensemble', recipe_path, '--ann', list_file,
         '--report', report)
    out = str(tmp_path / 'test_fused.npz')
    _run(monkeypatch, 'ensemble', recipe_path, '--split', 'test',
         '--weights', osp.join(report, 'weights.json'), '--out', out)
    fused = load_score_file(out)
    weights = json.load(open(osp.join(report, 'weights.json')))['weights']
    assert fused.meta['weight_source'] == 'file'
    assert fused.meta['weights'] == pytest.approx(weights)
    assert fused.meta['split'] == 'test'


def test_no_search_keeps_recipe_weights(recipe, tmp_path, monkeypatch):
    recipe_path, _, list_file, _ = recipe
    report = str(tmp_path / 'report')
    _run(monkeypatch, 'ensemble', recipe_path, '--ann', list_file,
         '--report', report, '--no-search', '--cfg-options',
         'bootstrap.num_samples=50')
    weights = json.load(open(osp.join(report, 'weights.json')))
    assert weights['source'] == 'recipe'
    np.testing.assert_allclose(list(weights['weights'].values()), [1 / 3] * 3)
    assert not osp.exists(osp.join(report, 'folds.csv'))


def test_no_detail_report(recipe, tmp_path, monkeypatch, capsys):
    recipe_path, _, list_file, _ = recipe
    report = str(tmp_path / 'report')
    _run(monkeypatch, 'ensemble', recipe_path, '--ann', list_file,
         '--report', report, '--no-detail')
    printed = capsys.readouterr().out
    assert 'honest estimate (3-fold' in printed
    assert 'bootstrap' not in printed
    assert sorted(os.listdir(report)) == [
        'folds.csv', 'summary.csv', 'weights.json', 'weights.png'
    ]
