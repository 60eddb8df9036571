import glob
import os.path as osp

import pytest

from mmt_challenge.ensemble import load_recipe

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECIPES = sorted(glob.glob(osp.join(ROOT, 'ensembles', '*.py')))


@pytest.mark.parametrize('path', RECIPES, ids=osp.basename)
def test_every_recipe_loads(path):
    recipe = load_recipe(path)
    assert recipe.members
    for member in recipe.members:
        assert '{split}' in member.score_file


def test_winners_recipe_mirrors_the_2019_ensemble():
    recipe = load_recipe(osp.join(ROOT, 'ensembles', 'mmit2019_winners.py'))
    names = [m.name for m in recipe.members]
    assert names == [
        'tsn_r101_5f', 'tsn_irv2_5f', 'tsn_senet154_5f', 'tsm_r50_8f',
        'tsm_r50_16f', 'tsm_r101_8f', 'tin_r50_8f', 'tin_r101_8f',
        'tin_r101_16f', 'slowfast_r101_8x8', 'slowfast_r101_11x8',
        'fastonly_r101_32x2', 'fastonly_r101_16x2', 'slowonly_r101_8x4'
    ]
    # every member's score file is named after a config of configs/
    configs = {
        osp.splitext(osp.basename(p))[0]
        for p in glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))
    }
    for member in recipe.members:
        assert osp.basename(osp.dirname(member.path('val'))) in configs
    with_trn = load_recipe(
        osp.join(ROOT, 'ensembles', 'mmit2019_winners_with_trn.py'))
    assert [m.name for m in with_trn.members] == names + ['trn_r50_8f']
    scales = {m.name: m.scales for m in recipe.members}
    assert scales['tsn_r101_5f'] == (256, )
    assert scales['slowfast_r101_8x8'] == (128, 144, 160)
    assert recipe.fusion == dict(type='weighted_mean')
    assert recipe.search['folds'] == 5
    assert recipe.members[0].path('test') == (
        'work_dirs/tsn_imagenet-pretrained-r101_8xb16-1x1x5-50e_mmit-rgb/'
        'scores_test.npz')


def test_recipes_inherit():
    slowfast = load_recipe(
        osp.join(ROOT, 'ensembles', 'mmit2019_slowfast_only.py'))
    assert [m.name for m in slowfast.members][0] == 'slowfast_r101_8x8'
    assert len(slowfast.members) == 5
    logit = load_recipe(osp.join(ROOT, 'ensembles', 'mmit2019_logit_mean.py'))
    assert logit.fusion == dict(type='logit_mean', eps=1e-6)
    greedy = load_recipe(
        osp.join(ROOT, 'ensembles', 'mmit2019_winners_greedy.py'))
    assert greedy.search['greedy'] is True
    assert greedy.search['method'] == 'coordinate_ascent'


def test_cfg_options_override():
    recipe = load_recipe(
        osp.join(ROOT, 'ensembles', 'mmit2019_winners.py'),
        cfg_options={'search.folds': 10, 'fusion.type': 'rank_mean'})
    assert recipe.search['folds'] == 10
    assert recipe.fusion['type'] == 'rank_mean'


def _members(**extra):
    return [dict(name='a', score_file='a.npz', **extra),
            dict(name='b', score_file='b.npz')]


@pytest.mark.parametrize('cfg, match', [
    (dict(members=[]), 'needs a non-empty members list'),
    (dict(members=_members(weights=2)),
     r"members\[0\]: unknown key\(s\) \['weights'\]"),
    (dict(members=_members(weight=-1)),
     "member 'a': weight must be non-negative and finite, got -1"),
    (dict(members=_members(scales=[256, 256])),
     "member 'a': scales repeats a value"),
    (dict(members=_members(scales=[])),
     "member 'a': scales must be a non-empty list of integers"),
    (dict(members=_members(load=dict(ann=1))),
     r"member 'a': load: unknown key\(s\) \['ann'\]"),
    (dict(members=_members(load=dict(sigmoid=True))),
     r"member 'a': load options \['sigmoid'\] apply to MMAction2 dumps"),
    (dict(members=[dict(name='a', score_file='x'),
                   dict(name='a', score_file='y')]),
     "duplicate member name 'a'"),
    (dict(members=[dict(score_file='x')]), 'needs a non-empty name'),
    (dict(members=[dict(name='a')]), "member 'a': score_file must be a path"),
    (dict(members=_members(), fusion=dict(type='vote')),
     "unknown fusion rule 'vote'"),
    (dict(members=_members(), fusion=dict(type='mean'), search=dict()),
     "search needs a weighted fusion rule; 'mean'"),
    (dict(members=_members(), search=dict(method='grid')),
     "unknown method 'grid'"),
    (dict(members=_members(), search=dict(folds=1)),
     'search: folds must be >= 2, got 1'),
    (dict(members=_members(), search=dict(fold=3)),
     r"search: unknown key\(s\) \['fold'\]"),
    (dict(members=_members(), bootstrap=dict(samples=3)),
     r"bootstrap: unknown key\(s\) \['samples'\]"),
])
def test_recipe_errors(cfg, match):
    with pytest.raises(ValueError, match=match):
        load_recipe(cfg)


@pytest.mark.parametrize('cfg, match', [
    (dict(members=_members(scales=['256'])),
     r"member 'a': scales\[0\] must be an int, got '256'"),
    (dict(members=_members(weight='1')),
     "member 'a': weight must be a number, got '1'"),
    (dict(members=_members(), search=dict(folds=2.0)),
     'search: folds must be an int, got 2.0'),
])
def test_recipe_type_errors(cfg, match):
    with pytest.raises(TypeError, match=match):
        load_recipe(cfg)


def test_defaults():
    recipe = load_recipe(dict(members=_members()))
    assert recipe.fusion == dict(type='weighted_mean')
    assert recipe.search is None
    assert recipe.members[0].weight == 1.0
    assert recipe.members[0].scales is None
    assert recipe.members[0].views is None
