import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from mmengine.config import Config

from mmt_challenge.analysis import (format_loss_study_table, run_loss_study,
                                    summarize_loss_study)
from mmt_challenge.analysis.loss_study import (LOSS_STUDY_CONFIGS, REPO_ROOT,
                                               data_options, read_val_metric)

CONFIGS = {'BCE': 'configs/a_bce.py', 'LSEP': 'configs/a_lsep.py'}


def planted_map(config, seed, epoch):
    """The sample mAP the fake training logs: distinct per run and epoch."""
    base = {'configs/a_bce.py': 0.40, 'configs/a_lsep.py': 0.50}[config]
    return base + 0.01 * seed + 0.001 * epoch


def write_session(work_dir, name, records):
    """A vis_data/scalars.json as mmengine's LocalVisBackend writes it:
    train lines by iteration, validation lines by epoch."""
    path = osp.join(work_dir, name, 'vis_data', 'scalars.json')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        for record in records:
            f.write(json.dumps(record) + '\n')


class FakeTraining:
    """Writes two sessions as an interrupted and resumed training would: the
    first validates epochs 2 and 4 (epoch 4 then redone), the second 4, 6."""

    def __init__(self):
        self.calls = []

    def __call__(self, config, work_dir, seed, cfg_options):
        self.calls.append((config, seed, tuple(cfg_options)))
        write_session(work_dir, '20261128_010000', [
            dict(lr=0.1, loss=1.0, step=10),
            {'mmit/sample_mAP': planted_map(config, seed, 2), 'step': 2},
            {'mmit/sample_mAP': 0.0, 'step': 4},
        ])
        write_session(work_dir, '20261128_020000', [
            {'mmit/sample_mAP': planted_map(config, seed, 4), 'step': 4},
            dict(lr=0.01, loss=0.5, step=60),
            {'mmit/sample_mAP': planted_map(config, seed, 6), 'step': 6,
             'mmit/macro_mAP': 0.3},
        ])


def test_loss_study_trains_each_run_once_and_tabulates(tmp_path):
    fake = FakeTraining()
    results = run_loss_study(
        str(tmp_path), configs=CONFIGS, seeds=(0, 1, 2),
        cfg_options=['a=1'], train_fn=fake)
    # seed by seed, losses in order, the options passed through
    assert fake.calls == [(c, s, ('a=1', )) for s in (0, 1, 2)
                          for c in CONFIGS.values()]
    by_run = {(r.loss, r.seed): r for r in results}
    for loss, config in CONFIGS.items():
        for seed in (0, 1, 2):
            result = by_run[loss, seed]
            # the last epoch's value (not the best), the resumed session's
            # value for the epoch logged twice
            assert result.epoch == 6
            assert result.sample_mAP == pytest.approx(
                planted_map(config, seed, 6))
            assert result.best_sample_mAP == pytest.approx(
                planted_map(config, seed, 6))
            saved = tmp_path / osp.splitext(osp.basename(config))[0] / \
                f'seed{seed}' / 'result.json'
            assert json.loads(saved.read_text())['sample_mAP'] == \
                result.sample_mAP

    summaries = summarize_loss_study(results)
    assert [s.loss for s in summaries] == ['BCE', 'LSEP']
    for summary, config in zip(summaries, CONFIGS.values()):
        values = [planted_map(config, s, 6) for s in (0, 1, 2)]
        assert summary.seeds == [0, 1, 2]
        assert summary.mean == pytest.approx(np.mean(values))
        assert summary.std == pytest.approx(np.std(values, ddof=1))
    table = format_loss_study_table(summaries)
    assert '| BCE | 0.416 ± 0.010 | 0.406 | 0.416 | 0.426 | 10.0 |' in table
    assert '| LSEP | 0.516 ± 0.010 | 0.506 | 0.516 | 0.526 | 0.0 |' in table
    assert 'Pooled seed-to-seed standard deviation: 0.010' in table

    # a second call trains nothing; a removed result is trained again
    again = FakeTraining()
    os.remove(tmp_path / 'a_lsep' / 'seed1' / 'result.json')
    rerun = run_loss_study(
        str(tmp_path), configs=CONFIGS, seeds=(0, 1, 2), train_fn=again)
    assert again.calls == [('configs/a_lsep.py', 1, ())]
    assert [(r.loss, r.seed, r.sample_mAP) for r in rerun] == \
        [(r.loss, r.seed, r.sample_mAP) for r in results]


def test_loss_study_failed_training_leaves_no_result(tmp_path):

    def broken(config, work_dir, seed, cfg_options):
        raise RuntimeError('training failed')

    with pytest.raises(RuntimeError, match='training failed'):
        run_loss_study(str(tmp_path), configs=CONFIGS, seeds=(0, ),
                       train_fn=broken)
    assert not (tmp_path / 'a_bce' / 'seed0' / 'result.json').exists()


@pytest.mark.parametrize('kwargs, match', [
    (dict(configs={}), 'configs is empty'),
    (dict(seeds=(0, 0)), r'seeds must be distinct .*\[0, 0\]'),
    (dict(configs={'a': 'x/cfg.py', 'b': 'y/cfg.py'}),
     'two losses share a config name'),
])
def test_loss_study_bad_arguments(tmp_path, kwargs, match):
    kwargs = dict(dict(configs=CONFIGS, train_fn=FakeTraining()), **kwargs)
    with pytest.raises(ValueError, match=match):
        run_loss_study(str(tmp_path), **kwargs)


def test_read_val_metric_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='no \\*/vis_data'):
        read_val_metric(str(tmp_path))
    write_session(str(tmp_path), 's1', [dict(loss=1.0, step=1)])
    with pytest.raises(ValueError, match="no 'mmit/sample_mAP' in"):
        read_val_metric(str(tmp_path))
    with open(tmp_path / 's1' / 'vis_data' / 'scalars.json', 'a') as f:
        f.write('{"step": \n')
    with pytest.raises(ValueError, match=r'scalars.json:2: not JSON'):
        read_val_metric(str(tmp_path))


def test_table_needs_the_same_seeds(tmp_path):
    fake = FakeTraining()
    results = run_loss_study(
        str(tmp_path), configs=CONFIGS, seeds=(0, 1), train_fn=fake)
    summaries = summarize_loss_study(results[:3])  # LSEP lacks seed 1
    with pytest.raises(ValueError, match=r'LSEP has seeds \[0\]'):
        format_loss_study_table(summaries)


def test_study_configs_and_data_options_resolve():
    # every loss of the study has its config, and the data options land on
    # the loaders' datasets
    options = dict(item.split('=', 1) for item in data_options('/d'))
    losses = []
    for config in LOSS_STUDY_CONFIGS.values():
        cfg = Config.fromfile(osp.join(REPO_ROOT, config))
        losses.append(cfg.model.cls_head.loss_cls.type)
        cfg.merge_from_dict(options)
        assert cfg.train_dataloader.dataset.ann_file == \
            '/d/mini_mmit_train_list_videos.txt'
        assert cfg.val_dataloader.dataset.data_prefix.video == '/d/videos'
    assert losses == ['ScaledBCELoss', 'LSEPLoss', 'WARPLoss', 'TwoWayLoss',
                      'AsymmetricLoss']


def test_loss_study_tool_tabulates_finished_runs(tmp_path):
    # every run finished and the data prepared: the one command trains
    # nothing and writes the table
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'classes.json').write_text(json.dumps(dict(classes=[{}] * 14)))
    for name in ('train', 'val', 'test'):
        (data / f'mini_mmit_{name}_list_videos.txt').write_text('')
    work = tmp_path / 'work'
    for i, (loss, config) in enumerate(LOSS_STUDY_CONFIGS.items()):
        for seed in (0, 1):
            run = work / osp.splitext(osp.basename(config))[0] / f'seed{seed}'
            run.mkdir(parents=True)
            (run / 'result.json').write_text(json.dumps(dict(
                loss=loss, config=config, seed=seed,
                sample_mAP=0.3 + 0.1 * i + 0.02 * seed, epoch=3,
                best_sample_mAP=0.5, seconds=1.0)))
    result = subprocess.run(
        [sys.executable, 'tools/analysis/loss_study.py', '--work-dir',
         str(work), '--data-dir', str(data), '--seeds', '0', '1', '--out',
         str(tmp_path / 'table.md')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / 'table.md').read_text()
    assert table == (work / 'loss_study.md').read_text()
    assert '| AsymmetricLoss | 0.710 ± 0.014 | 0.700 | 0.720 | 0.0 |' in table
    assert 'training' not in result.stdout + result.stderr
