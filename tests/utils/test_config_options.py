import pytest
from mmengine.config import Config

from mmt_challenge.utils.config_options import (RUNNER_OPTIONAL_KEYS,
                                                merge_cfg_options)


def _cfg():
    return Config(dict(
        model=dict(cls_head=dict(num_classes=5, dropout_ratio=0.5)),
        train_pipeline=[dict(type='A', size=3), dict(type='B')]))


def test_existing_keys_and_list_items_merge():
    cfg = merge_cfg_options(_cfg(), {'model.cls_head.num_classes': 7,
                                     'train_pipeline.0.size': 9})
    assert cfg.model.cls_head.num_classes == 7
    assert cfg.train_pipeline[0].size == 9


@pytest.mark.parametrize('key, where', [
    ('model.cls_head.dropout_ratoi', 'model.cls_head.dropout_ratoi'),
    ('modle.cls_head.num_classes', 'modle'),
    ('train_pipeline.5.size', 'train_pipeline.5'),
    ('model.cls_head.num_classes.x', 'model.cls_head.num_classes.x'),
])
def test_a_typo_is_an_error_naming_the_missing_part(key, where):
    cfg = _cfg()
    with pytest.raises(ValueError, match=rf"--cfg-options {key}: the config "
                       rf"has no '{where}'.*write \+{key}="):
        merge_cfg_options(cfg, {key: 1})
    assert cfg.to_dict() == _cfg().to_dict()  # nothing merged


def test_marked_keys_may_be_new():
    cfg = merge_cfg_options(_cfg(), {'+model.cls_head.new_option': 1,
                                     '+custom': dict(a=1)})
    assert cfg.model.cls_head.new_option == 1 and cfg.custom == dict(a=1)


def test_runner_settings_with_defaults_need_no_marker():
    assert 'load_from_options' in RUNNER_OPTIONAL_KEYS
    cfg = merge_cfg_options(
        _cfg(), {'load_from_options.drop_prefixes': ['cls_head.']},
        optional_keys=RUNNER_OPTIONAL_KEYS)
    assert cfg.load_from_options.drop_prefixes == ['cls_head.']
    with pytest.raises(ValueError, match='no .load_from_option.'):
        merge_cfg_options(_cfg(), {'load_from_option.x': 1},
                          optional_keys=RUNNER_OPTIONAL_KEYS)
