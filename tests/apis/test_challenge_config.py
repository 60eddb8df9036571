"""Challenge configs: loading and checks, the injection into member
configs, the launchers' commands, and the dry run of the winners'
challenge."""
import argparse
import os.path as osp
import shlex
import subprocess
import sys

import pytest
from mmengine.config import Config, DictAction
from torch.distributed.run import get_args_parser

from mmt_challenge.apis import (ChallengeRunner, Launch, load_challenge,
                                member_overrides, plan_stage,
                                scaled_bce_scale)
from mmt_challenge.apis.challenge_plan import format_option

from .conftest import ROOT

MINI = 'configs/mini/{}_mini-mmit-rgb.py'
TSM = MINI.format('tsm_r18_1xb8-1x1x8-8e')


def _write(path, text):
    path.write_text(text, encoding='utf-8')
    return str(path)


def _challenge_text(tmp_path, members, extra=''):
    split = f"dict(csv='{tmp_path}/x.csv', videos='{tmp_path}/v')"
    return (f"data = dict(label_map='{tmp_path}/classes.txt', train={split}, "
            f"val={split}, test={split})\nmembers = {members!r}\n"
            f"work_dir = '{tmp_path}/work'\n{extra}")


@pytest.fixture
def five_classes(tmp_path):
    (tmp_path / 'classes.txt').write_text('a\nb c\nd+e\nÄ\nf\n',
                                          encoding='utf-8')
    return tmp_path


def _load(tmp_path, members, extra=''):
    return load_challenge(_write(tmp_path / 'c.py', _challenge_text(
        tmp_path, members, extra)))


def test_scaled_bce_scale_keeps_the_per_sample_weight():
    # scale / C is the weight of a sample's summed BCE
    assert scaled_bce_scale(7.0, 14, 5) == pytest.approx(2.5)
    assert scaled_bce_scale(160.0, 313, 12) / 12 == pytest.approx(160 / 313)


def test_injects_classes_lists_videos_and_loss_scale(five_classes):
    challenge = _load(five_classes, [dict(name='TSM', config=TSM)])
    member = challenge.members[0]
    overrides = member_overrides(challenge, member, Config.fromfile(TSM), 5)
    head = overrides['model']['cls_head']
    assert head == dict(num_classes=5, loss_cls=dict(scale=2.5))
    for loader, split in (('train', 'train'), ('val', 'val'),
                          ('test', 'val')):
        dataset = overrides[f'{loader}_dataloader']['dataset']
        assert dataset == dict(
            ann_file=challenge.splits[split].list_file,
            data_prefix=dict(video=challenge.splits[split].videos),
            num_classes=5)
    # the same number of classes leaves the loss alone
    overrides = member_overrides(challenge, member, Config.fromfile(TSM), 14)
    assert overrides['model']['cls_head'] == dict(num_classes=14)


def test_class_counts_only_for_a_member_that_asks(five_classes):
    challenge = _load(five_classes, [dict(name='TSM', config=TSM)])
    cfg = Config.fromfile(TSM)
    cfg.model.cls_head.loss_cls.update(class_weight_mode='sqrt',
                                       class_counts=[1] * 14)
    loss = member_overrides(challenge, challenge.members[0], cfg,
                            5)['model']['cls_head']['loss_cls']
    assert loss == dict(scale=2.5, class_counts=None,
                        class_counts_file=challenge.class_counts_file)


def test_generated_config_merges_and_loads(five_classes):
    challenge = _load(five_classes, [
        dict(name='TSM', config=TSM, load_from='x.pth',
             dense_test=dict(scales=[40], num_crops=3))])
    from mmt_challenge.apis import write_member_configs
    assert write_member_configs(challenge)
    cfg = Config.fromfile(challenge.member_config(challenge.members[0]))
    assert cfg.model.cls_head.num_classes == 5
    assert cfg.model.cls_head.in_channels == 512  # the member's own
    assert cfg.load_from == 'x.pth'
    assert cfg.dense_test_cfg == dict(scales=[40], num_clips=4, num_crops=3)
    assert challenge.member_config(challenge.members[0]).startswith(
        str(five_classes / 'work'))


def test_multi_dataset_members_are_refused(five_classes):
    config = 'configs/mini/multitrain_tsm_r18_1xb8-1x1x4-2e_mini-mmit-pair-rgb.py'
    challenge = _load(five_classes, [dict(name='MT', config=config)])
    with pytest.raises(ValueError, match="member 'MT'.*(no cls_head|"
                       'injects its data)'):
        member_overrides(challenge, challenge.members[0],
                         Config.fromfile(config), 5)


@pytest.mark.parametrize('members, extra, match', [
    ([dict(name='A')], '', "member 'A': needs a config"),
    ([dict(name='A b', config=TSM)], '', 'name must be letters'),
    ([dict(name='A', config=TSM), dict(name='A', config=TSM)], '',
     "share the name 'A'"),
    ([dict(name='A', config=TSM), dict(name='B', config=TSM)], '',
     "share the dir .*give one a dir="),
    ([dict(name='A', config='configs/none.py')], '', 'not found'),
    ([dict(name='A', score_files=dict(val='v.npz', test='t.npz'),
           cfg_options={'a': 1})], '', 'cfg_options has no use'),
    ([dict(name='A', config=TSM, colour='red')], '', r"unknown key\(s\) "
     r"\['colour'\]"),
    ([dict(name='A', config=TSM)], 'trian = dict(seed=1)',
     r"unknown key\(s\) \['trian'\]"),
    ([dict(name='A', config=TSM)],
     "submission = dict(formats=['top5', 'scores'], file='s.txt')",
     "need '{format}'"),
])
def test_bad_challenges_are_named(five_classes, members, extra, match):
    with pytest.raises((ValueError, FileNotFoundError), match=match):
        _load(five_classes, members, extra)


def test_stated_class_count_must_match_the_label_map(five_classes):
    challenge = _load(five_classes, [dict(name='A', config=TSM)],
                      'data.update(num_classes=6)')
    with pytest.raises(ValueError, match='num_classes is 6 but .* names 5'):
        challenge.num_classes()


def test_members_with_score_files_join_without_training(five_classes):
    external = dict(val='elsewhere/x_val.npz', test='elsewhere/x_test.pkl')
    challenge = _load(five_classes, [
        dict(name='A', config=TSM),
        dict(name='X', score_files=external)])
    assert [s.title for s in plan_stage(challenge, 'train')] == ['train A']
    test = [str(s) for s in plan_stage(challenge, 'test')]
    assert not any('dense_test.py' in c and 'elsewhere' in c for c in test)
    assert any(c.startswith('python tools/fill_missing_scores.py '
                            'elsewhere/x_test.pkl') for c in test)
    ensemble = [str(s) for s in plan_stage(challenge, 'ensemble')]
    assert 'members.1.score_file=elsewhere/x_val.npz' in ensemble[0]


@pytest.mark.parametrize('options', [
    {'train_cfg.max_epochs': 3, 'model.cls_head.dropout_ratio': 0.25},
    {'optim_wrapper': {'optimizer': {'lr': 0.01}, 'clip_grad': None}},
    {'dense_test_cfg.scales': [48, 56], 'randomness.deterministic': True},
    {'load_from': 'a/b.pth', 'x': (1, 2)},
])
def test_cfg_options_round_trip_through_dict_action(options):
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    items = [i for k, v in options.items() for i in format_option(k, v)]
    parsed = Config()
    parsed.merge_from_dict(parser.parse_args(['--cfg-options', *items
                                              ]).cfg_options)
    expected = Config()
    expected.merge_from_dict(options)
    assert parsed.to_dict() == expected.to_dict()


def test_torchrun_prefix_is_what_torchrun_parses():
    launch = Launch('pytorch', nproc_per_node=4, nnodes=2, node_rank=1,
                    master_addr='node0', master_port=29999)
    prefix = launch.prefix('job')
    assert prefix[:3] == ['python', '-m', 'torch.distributed.run']
    args = get_args_parser().parse_args(prefix[3:] + ['tools/train.py'])
    assert (args.nproc_per_node, args.nnodes, args.node_rank,
            args.master_addr, args.master_port) == ('4', '2', 1, 'node0',
                                                    29999)


def test_slurm_command_is_mmaction2_slurm_train_sh():
    # MMAction2 tools/slurm_train.sh, with its variables filled in
    expected = ('srun -p gpu --job-name=train_A --gres=gpu:4 --ntasks=8 '
                '--ntasks-per-node=4 --cpus-per-task=6 --kill-on-bad-exit=1 '
                '--time=1:00:00 python -u')
    launch = Launch('slurm', partition='gpu', gpus=8, gpus_per_node=4,
                    cpus_per_task=6, srun_args=('--time=1:00:00', ))
    assert shlex.join(launch.prefix('train_A')) == expected
    with pytest.raises(ValueError, match='needs --partition'):
        Launch('slurm')


def test_winners_challenge_dry_run_resolves(tmp_path):
    """Every config, member and path of challenges/mmit2019.py's commands
    exists in the repository, is a declared input, or is written by an
    earlier command."""
    work_dir = str(tmp_path / 'work')
    printed = subprocess.run(
        [sys.executable, 'tools/run_challenge.py', 'challenges/mmit2019.py',
         '--dry-run', '--launcher', 'pytorch', '--nproc-per-node', '8',
         '--cfg-options', f'work_dir={work_dir}'],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    challenge = load_challenge(
        osp.join(ROOT, 'challenges', 'mmit2019.py'),
        cfg_options=dict(work_dir=work_dir))
    commands = [shlex.split(line) for line in printed.splitlines()
                if line.startswith('python ')]
    members = len(challenge.members)
    assert len(commands) == 7 + members * 4 + 2 + 4
    inputs = {challenge.label_map} | {
        getattr(s, key) for s in challenge.splits.values()
        for key in ('csv', 'videos')}
    produced = []
    outputs_of = {
        'build_annotations.py': lambda a: [a[2], a[2] + '.dropped.txt'],
        'class_counts.py': lambda a: [a[1]],
        'prepare_videos.py': lambda a: [a[2]],
        'train.py': lambda a: [a[a.index('--work-dir') + 1]],
        'ensemble.py': lambda a: [a[a.index('--out') + 1],
                                  a[a.index('--report') + 1]],
    }
    trained, tested = set(), set()
    for command in commands:
        tool = next(a for a in command if a.endswith('.py'))
        assert osp.isfile(osp.join(ROOT, tool)), tool
        args = command[command.index(tool) + 1:]
        name = osp.basename(tool)
        out = outputs_of.get(name, lambda a: [a[a.index('--out') + 1]]
                             if '--out' in a else [])(args)
        paths = [a.split('=', 1)[-1] for a in args
                 if '/' in a and a not in out]
        for path in paths:
            resolved = (osp.isfile(osp.join(ROOT, path)) or path in inputs
                        or any(path == p or path.startswith(p + '/')
                               for p in produced))
            assert resolved, f'{path} of `{shlex.join(command)}`'
            if path.endswith('.py') and '/configs/' in path:
                cfg = Config.fromfile(path)  # the generated member config
                assert cfg.model.cls_head.num_classes == 313
        if name == 'train.py':
            trained.add(args[0])
        if name == 'dense_test.py':
            tested.add((args[0], args[args.index('--ann') + 1]))
        if name == 'ensemble.py':
            recipe = Config.fromfile(args[0])
            indices = {int(a.split('.')[1]) for a in args
                       if a.startswith('members.')}
            assert indices == set(range(len(recipe.members)))
        produced += out
    configs = {challenge.member_config(m) for m in challenge.members}
    assert trained == configs
    assert tested == {(c, challenge.splits[s].list_file) for c in configs
                      for s in ('val', 'test')}


def test_other_torchrun_nodes_run_only_trainings_and_tests(five_classes):
    from unittest import mock

    from mmt_challenge.apis import challenge_runner
    challenge = _load(five_classes, [dict(name='A', config=TSM)])
    ran = []
    launch = Launch('pytorch', nproc_per_node=2, nnodes=2, node_rank=1)
    with mock.patch.object(challenge_runner, 'run_command',
                           lambda argv, **_: ran.append(argv)):
        ChallengeRunner(challenge, launch=launch,
                        stages=['data', 'train']).run()
    (train, ) = ran
    assert 'tools/train.py' in train and '--node-rank=1' in train
    assert not osp.exists(osp.join(challenge.member_dir(challenge.members[0]),
                                   'train.done'))  # node 0 writes it


def test_fresh_removes_outputs_and_generated_data_only(five_classes):
    challenge = _load(five_classes, [dict(name='A', config=TSM)],
                      f"data.update(generate=dict(out='{five_classes}/gen'))")
    for folder in ('work/configs', 'gen/videos', 'v'):
        (five_classes / folder).mkdir(parents=True)
    ChallengeRunner(challenge).fresh()
    assert not (five_classes / 'work').exists()
    assert not (five_classes / 'gen').exists()
    assert (five_classes / 'v').is_dir()  # the videos it was given
    assert (five_classes / 'classes.txt').is_file()
