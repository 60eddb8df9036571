import inspect
import re

import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from torch import nn

import mmt_challenge  # noqa: F401
from mmt_challenge.models.heads import MultiDatasetHead

SPECS = [
    dict(name='a', num_classes=5, multi_label=True,
         loss_cls=dict(type='ScaledBCELoss', scale=2.0)),
    dict(name='b', num_classes=3, loss_weight=0.5),
    dict(name='c', num_classes=4),
]
SIZES = [5, 3, 4]


def make_head(**kwargs):
    options = dict(in_channels=6, datasets=SPECS, dropout_ratio=0.0,
                   projection_init_std=0.5)
    options.update(kwargs)
    head = MultiDatasetHead(**options)
    head.init_weights()
    return head


def make_sample(dataset, labels, sizes=SIZES, names='abc', extra_mask=()):
    """A data sample of ``dataset`` with class indices ``labels``."""
    sample = ActionDataSample()
    targets = torch.zeros(sum(sizes))
    start = sum(sizes[:dataset])
    targets[[start + label for label in labels]] = 1.0
    mask = torch.zeros(len(sizes))
    mask[[dataset, *extra_mask]] = 1.0
    sample.dataset_targets = targets
    sample.loss_mask = mask
    sample.set_metainfo(dict(dataset_index=dataset,
                             dataset_name=names[dataset]))
    return sample


def batch():
    """Six samples: a, b, a, c, b, a."""
    return [
        make_sample(0, [0, 2]),
        make_sample(1, [1]),
        make_sample(0, [4]),
        make_sample(2, [3]),
        make_sample(1, [0]),
        make_sample(0, [1, 3]),
    ]


def random_logits(head, batch_size, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return {
        spec.name: torch.randn(batch_size, spec.num_classes, generator=gen,
                               dtype=torch.float64, requires_grad=True)
        for spec in head.specs
    }


def reference_losses(head, logits, samples):
    """The head's losses written out sample by sample in float64."""
    names = [spec.name for spec in head.specs]
    batch_size = len(samples)
    out = {}
    for j, spec in enumerate(head.specs):
        start = sum(SIZES[:j])
        rows = [b for b, s in enumerate(samples) if s.loss_mask[j] == 1]
        if not rows:
            continue
        weight = spec.loss_weight * len(rows) / batch_size

        def loss_of(scores):
            total = 0.0
            for b in rows:
                y = samples[b].dataset_targets[start:start +
                                               spec.num_classes].double()
                x = scores[b]
                if spec.multi_label:  # ScaledBCELoss(scale=2): mean over C
                    total = total + 2.0 * F.binary_cross_entropy_with_logits(
                        x, y, reduction='mean')
                else:  # cross-entropy of the one true class
                    total = total - torch.log_softmax(x, 0)[int(y.argmax())]
            return total / len(rows)

        out[f'loss_cls_{spec.name}'] = weight * loss_of(logits[spec.name])
        if head.with_projections:
            terms = []
            for src in names:
                if src == spec.name:
                    continue
                w = head.projection_weight(src, spec.name).double()
                terms.append(loss_of(logits[src] @ w.T))
            out[f'loss_proj_{spec.name}'] = (
                weight * head.projection_loss_weight * sum(terms) /
                len(terms))
    return out


# ---------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------
def test_builds_from_registry_with_projections_for_every_ordered_pair():
    head = MODELS.build(dict(type='MultiDatasetHead', in_channels=6,
                             datasets=SPECS))
    assert head.names == ('a', 'b', 'c')
    assert set(head.heads) == {'a', 'b', 'c'}
    pairs = {(src, dst) for dst, group in head.projections.items()
             for src in group}
    assert pairs == {(s, d) for s in 'abc' for d in 'abc' if s != d}
    for (src, dst) in pairs:
        projection = head.projections[dst][src]
        assert projection.bias is None
        assert projection.weight.shape == (SIZES['abc'.index(dst)],
                                           SIZES['abc'.index(src)])
    assert head.specs[0].multi_label and not head.specs[1].multi_label
    assert head.specs[1].loss_weight == 0.5
    assert type(head.losses['b']).__name__ == 'CrossEntropyLoss'


def test_defaults_match_docstring():
    params = inspect.signature(MultiDatasetHead).parameters
    defaults = {n: p.default for n, p in params.items()
                if p.default is not inspect.Parameter.empty}
    assert defaults == dict(num_segments=None, hidden_channels=None,
                            dropout_ratio=0.5, init_std=0.01,
                            with_projections=True,
                            projection_loss_weight=1.0,
                            projection_init_std=0.0, test_dataset=None,
                            init_cfg=None)
    doc = ' '.join(MultiDatasetHead.__doc__.split())
    for name, value in defaults.items():
        match = re.search(
            rf'{name} \([^)]*\):.*?Defaults to (\S+?)(?:\.\s|\s|\.$)', doc)
        assert match, name
        stated = match.group(1)
        assert stated == str(value) or float(stated) == value, name
    head = MultiDatasetHead(in_channels=6, datasets=SPECS)
    assert head.test_dataset == 'a' and head.dropout.p == 0.5
    assert type(head.losses['a']).__name__ == 'ScaledBCELoss'
    plain = MultiDatasetHead(in_channels=6, datasets=[
        dict(name='x', num_classes=2, multi_label=True),
        dict(name='y', num_classes=2)])
    assert type(plain.losses['x']).__name__ == 'ScaledBCELoss'
    assert type(plain.losses['y']).__name__ == 'CrossEntropyLoss'


def test_mlp_classifiers():
    head = make_head(hidden_channels=16)
    mlp = head.heads['b']
    assert [type(m) for m in mlp] == [nn.Linear, nn.GELU, nn.Linear]
    assert (mlp[0].in_features, mlp[0].out_features,
            mlp[2].out_features) == (6, 16, 3)


def test_init_weights_uses_init_std():
    head = MultiDatasetHead(in_channels=512, datasets=SPECS, init_std=0.02)
    head.init_weights()
    weight = head.heads['a'].weight
    assert weight.std().item() == pytest.approx(0.02, rel=0.2)
    assert head.heads['a'].bias.abs().sum() == 0
    assert all(p.abs().sum() == 0 for p in head.projections.parameters())
    drawn = MultiDatasetHead(in_channels=512, datasets=[
        dict(name='x', num_classes=300), dict(name='y', num_classes=200)],
                             projection_init_std=0.02)
    drawn.init_weights()
    assert drawn.projection_weight('x', 'y').std().item() == pytest.approx(
        0.02, rel=0.1)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------
def test_pool_2d_groups_frames_by_num_segments():
    head = make_head(num_segments=4)
    x = torch.randn(2 * 3 * 4, 6, 3, 3)  # 2 samples x 3 views x 4 frames
    pooled = head.pool(x, num_segs=12)
    expected = x.mean(dim=(2, 3)).view(6, 4, 6).mean(dim=1)
    torch.testing.assert_close(pooled, expected)


def test_pool_2d_without_num_segments_uses_num_segs():
    head = make_head()
    x = torch.randn(2 * 5, 6, 2, 2)
    torch.testing.assert_close(
        head.pool(x, num_segs=5),
        x.mean(dim=(2, 3)).view(2, 5, 6).mean(dim=1))


def test_pool_3d_and_pathways():
    head = make_head()
    x = torch.randn(3, 6, 4, 2, 2)
    torch.testing.assert_close(head.pool(x), x.mean(dim=(2, 3, 4)))
    slow, fast = torch.randn(3, 4, 2, 2, 2), torch.randn(3, 2, 8, 2, 2)
    torch.testing.assert_close(
        head.pool((slow, fast)),
        torch.cat([slow.mean(dim=(2, 3, 4)), fast.mean(dim=(2, 3, 4))], 1))
    pooled = torch.randn(3, 6)
    assert head.pool(pooled) is pooled


def test_pool_errors():
    head = make_head()
    with pytest.raises(ValueError, match='need num_segments'):
        head.pool(torch.randn(4, 6, 2, 2))
    with pytest.raises(ValueError, match='do not split into clips of 3'):
        head.pool(torch.randn(4, 6, 2, 2), num_segs=3)
    with pytest.raises(ValueError, match='7 channels, in_channels is 6'):
        head.pool(torch.randn(2, 7))
    with pytest.raises(ValueError, match=r'got shape \(2, 6, 1\)'):
        head.pool(torch.randn(2, 6, 1))
    with pytest.raises(ValueError, match='empty tuple'):
        head.pool(())


# ---------------------------------------------------------------------------
# Losses
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('with_projections', [True, False])
def test_losses_match_sample_by_sample_reference(with_projections):
    head = make_head(with_projections=with_projections,
                     projection_loss_weight=0.7).double()
    samples = batch()
    logits = random_logits(head, len(samples))
    losses = head.loss_by_feat(logits, samples)
    expected = reference_losses(head, logits, samples)
    assert set(losses) == set(expected)
    for key in expected:
        assert losses[key].item() == pytest.approx(
            expected[key].item(), rel=1e-10), key


def test_loss_masks_route_each_samples_loss_to_its_own_dataset():
    head = make_head().double()
    samples = batch()
    own = [s.metainfo['dataset_index'] for s in samples]
    for j, name in enumerate(head.names):
        for term in ('cls', 'proj'):
            logits = random_logits(head, len(samples), seed=j)
            loss = head.loss_by_feat(logits, samples)[f'loss_{term}_{name}']
            grads = torch.autograd.grad(loss, list(logits.values()),
                                        allow_unused=True)
            grads = [torch.zeros_like(x) if g is None else g
                     for x, g in zip(logits.values(), grads)]
            for src, grad in zip(logits, grads):
                rows = grad.abs().sum(dim=1)
                for b in range(len(samples)):
                    if own[b] != j:  # another dataset's sample: no gradient
                        assert rows[b] == 0, (name, term, src, b)
            # the dataset's own samples do get one, through its classifier
            # (cls) or through the other datasets' projected logits (proj)
            used = [name] if term == 'cls' else [
                n for n in head.names if n != name]
            for src in used:
                grad = grads[head.names.index(src)]
                assert all(grad[b].abs().sum() > 0
                           for b in range(len(samples)) if own[b] == j)


def test_other_datasets_targets_do_not_matter():
    head = make_head().double()
    samples = batch()
    logits = random_logits(head, len(samples))
    before = head.loss_by_feat(logits, samples)
    for sample in samples:  # scribble on every other dataset's slice
        own = sample.metainfo['dataset_index']
        start = sum(SIZES[:own])
        keep = sample.dataset_targets[start:start + SIZES[own]].clone()
        sample.dataset_targets = torch.rand(sum(SIZES))
        sample.dataset_targets[start:start + SIZES[own]] = keep
    after = head.loss_by_feat(logits, samples)
    for key in before:
        assert after[key].item() == before[key].item()


def test_a_sample_labelled_in_two_datasets_counts_in_both():
    head = make_head(with_projections=False).double()
    sample = make_sample(0, [1], extra_mask=(2, ))
    sample.dataset_targets[5 + 3 + 2] = 1.0  # class 2 of dataset c
    samples = [sample, make_sample(1, [0])]
    logits = random_logits(head, 2)
    losses = head.loss_by_feat(logits, samples)
    expected = reference_losses(head, logits, samples)
    assert losses['loss_cls_c'].item() == pytest.approx(
        expected['loss_cls_c'].item())
    assert losses['loss_cls_c'].item() > 0


def test_missing_dataset_gives_zero_loss_that_keeps_parameters_in_graph():
    head = make_head()
    samples = [make_sample(0, [1]), make_sample(1, [2])]  # no sample of c
    feats = torch.randn(2, 6)
    losses = head.loss(feats, samples)
    assert losses['loss_cls_c'].item() == 0
    assert losses['loss_proj_c'].item() == 0
    sum(losses.values()).backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
    assert head.heads['c'].weight.grad.abs().sum() > 0  # via projections


def test_single_dataset_head_takes_plain_gt_labels():
    head = MultiDatasetHead(in_channels=6, datasets=[SPECS[0]],
                            with_projections=False, dropout_ratio=0.0)
    samples = [ActionDataSample().set_gt_label([0, 3]),
               ActionDataSample()]
    samples[1].gt_label = torch.tensor([0., 1., 0., 0., 1.])
    logits = {'a': torch.randn(2, 5, dtype=torch.float64)}
    losses = head.loss_by_feat(logits, samples)
    targets = torch.tensor([[1., 0, 0, 1, 0], [0., 1, 0, 0, 1]],
                           dtype=torch.float64)
    expected = 2.0 * F.binary_cross_entropy_with_logits(logits['a'], targets)
    assert losses['loss_cls_a'].item() == pytest.approx(expected.item())


def test_loss_rejects_a_multi_dataset_batch_without_targets():
    head = make_head()
    with pytest.raises(ValueError, match='needs dataset_targets and '
                       'loss_mask'):
        head.loss(torch.randn(1, 6), [ActionDataSample().set_gt_label(1)])


def test_loss_rejects_a_partly_marked_batch():
    head = make_head()
    samples = [make_sample(0, [1]), ActionDataSample().set_gt_label(1)]
    with pytest.raises(ValueError, match='some samples'):
        head.loss(torch.randn(2, 6), samples)


def test_loss_rejects_targets_of_another_label_space():
    head = make_head()
    samples = [make_sample(0, [1], sizes=[5, 3, 5])]
    with pytest.raises(ValueError, match='have 13 entries'):
        head.loss(torch.randn(1, 6), samples)


def test_loss_rejects_a_mask_of_another_dataset_count():
    head = make_head()
    sample = make_sample(0, [1])
    sample.loss_mask = torch.tensor([1., 0.])
    with pytest.raises(ValueError, match='2 entries for 3 datasets'):
        head.loss(torch.randn(1, 6), [sample])


def test_loss_rejects_soft_masks():
    head = make_head()
    sample = make_sample(0, [1])
    sample.loss_mask = torch.tensor([0.5, 0., 0.])
    with pytest.raises(ValueError, match='0 or 1'):
        head.loss(torch.randn(1, 6), [sample])


def test_loss_rejects_targets_out_of_range():
    head = make_head()
    sample = make_sample(0, [1])
    sample.dataset_targets[0] = 2.0
    with pytest.raises(ValueError, match=r'lie in \[0, 1\]'):
        head.loss(torch.randn(1, 6), [sample])


def test_loss_rejects_sources_in_another_order():
    head = make_head()
    sample = make_sample(0, [1], names='bac')
    with pytest.raises(ValueError, match='same order'):
        head.loss(torch.randn(1, 6), [sample])


def test_loss_needs_one_clip_per_sample():
    head = make_head()
    with pytest.raises(ValueError, match='one clip per sample'):
        head.loss(torch.randn(4, 6), [make_sample(0, [1])])


# ---------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------
class Counter:

    def __init__(self, head):
        self.calls = {name: 0 for name in head.names}
        for name, module in head.heads.items():
            module.register_forward_hook(self._hook(name))

    def _hook(self, name):

        def hook(module, args, output):
            self.calls[name] += 1

        return hook


@pytest.mark.parametrize('dataset, activation', [('a', 'sigmoid'),
                                                 ('b', 'softmax'),
                                                 (None, 'sigmoid')])
def test_predict_is_the_target_classifier_alone(dataset, activation):
    head = make_head(num_segments=2).eval()
    counter = Counter(head)
    feats = torch.randn(3 * 4 * 2, 6, 2, 2)  # 3 videos x 4 views x 2 frames
    samples = [ActionDataSample() for _ in range(3)]
    out = head.predict(feats, samples, dataset=dataset, num_segs=8)
    name = dataset or 'a'
    assert counter.calls == {n: int(n == name) for n in head.names}
    pooled = feats.mean(dim=(2, 3)).view(12, 2, 6).mean(dim=1)
    logits = head.heads[name](pooled)
    probs = (logits.sigmoid() if activation == 'sigmoid' else
             logits.softmax(dim=1)).view(3, 4, -1).mean(dim=1)
    for sample, expected in zip(out, probs):
        torch.testing.assert_close(sample.pred_score, expected)
        assert sample.pred_label.item() == expected.argmax().item()
    torch.testing.assert_close(head(feats, dataset=dataset, num_segs=8),
                               logits)


def test_test_dataset_is_the_default():
    head = make_head(test_dataset='c').eval()
    out = head.predict(torch.randn(2, 6), [ActionDataSample()] * 2)
    assert out[0].pred_score.shape == (4, )
    assert torch.allclose(out[0].pred_score.sum(), torch.tensor(1.0))


def test_unknown_dataset_names():
    head = make_head()
    with pytest.raises(ValueError, match="dataset 'z' is not one of"):
        head.predict(torch.randn(2, 6), [ActionDataSample()] * 2,
                     dataset='z')
    with pytest.raises(ValueError, match="test_dataset 'z' is not one of"):
        make_head(test_dataset='z')


def test_predict_rejects_uneven_views():
    head = make_head()
    with pytest.raises(ValueError, match='cannot be split among 2'):
        head.predict(torch.randn(3, 6), [ActionDataSample()] * 2)


def test_forward_all_and_project():
    head = make_head().double()
    x = torch.randn(4, 6, dtype=torch.float64)
    logits = head.forward_all(x)
    assert {k: v.shape for k, v in logits.items()} == {
        'a': (4, 5), 'b': (4, 3), 'c': (4, 4)}
    projected = head.project(logits)
    assert len(projected) == 6
    torch.testing.assert_close(
        projected[('a', 'c')],
        logits['a'] @ head.projection_weight('a', 'c').T)


def test_projection_errors():
    head = make_head(with_projections=False)
    with pytest.raises(RuntimeError, match='no projections'):
        head.project({})
    with pytest.raises(RuntimeError, match='no projections'):
        head.projection_weight('a', 'b')
    with pytest.raises(ValueError, match='to itself'):
        make_head().projection_weight('a', 'a')


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------
def test_export_fc_cls_for_linear_classifiers():
    head = make_head()
    state = head.export_state_dict('b')
    assert list(state) == ['fc_cls.weight', 'fc_cls.bias']
    assert torch.equal(state['fc_cls.weight'], head.heads['b'].weight)
    assert torch.equal(state['fc_cls.bias'], head.heads['b'].bias)


def test_export_multi_dataset_format_loads_into_a_one_dataset_head():
    head = make_head(hidden_channels=8).eval()
    state = head.export_state_dict('c')  # auto: MLP -> multi_dataset
    assert all(k.startswith('heads.c.') for k in state)
    single = MultiDatasetHead(in_channels=6, datasets=[SPECS[2]],
                              hidden_channels=8, with_projections=False)
    single.load_state_dict(state, strict=True)
    x = torch.randn(3, 6)
    torch.testing.assert_close(single.eval()(x), head(x, dataset='c'))


def test_export_errors():
    with pytest.raises(ValueError, match='needs linear classifiers'):
        make_head(hidden_channels=8).export_state_dict('a', 'fc_cls')
    with pytest.raises(ValueError, match='head_format must be one of'):
        make_head().export_state_dict('a', 'linear')
    with pytest.raises(ValueError, match="dataset 'q'"):
        make_head().export_state_dict('q')


# ---------------------------------------------------------------------------
# Configuration errors
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('datasets, error, match', [
    ([], ValueError, 'non-empty list'),
    (dict(name='a', num_classes=2), ValueError, 'non-empty list'),
    (['a'], TypeError, r'datasets\[0\] must be a dict'),
    ([dict(name='a', num_classes=2, classes=3)], ValueError,
     r"datasets\[0\]: unknown key\(s\) \['classes'\]"),
    ([dict(name='a.b', num_classes=2)], ValueError, 'letters, digits'),
    ([dict(name='train', num_classes=2)], ValueError, 'ModuleDict'),
    ([dict(name='a', num_classes=2),
      dict(name='a', num_classes=3)], ValueError, 'appears twice'),
    ([dict(name='a', num_classes=0)], ValueError, 'must be positive'),
    ([dict(name='a', num_classes=2.0)], TypeError, 'must be an int'),
    ([dict(name='a', num_classes=2, multi_label=1)], TypeError,
     'must be a bool'),
    ([dict(name='a', num_classes=2, loss_weight=-1)], ValueError,
     'loss_weight must be non-negative and finite, got -1'),
])
def test_bad_dataset_specs(datasets, error, match):
    with pytest.raises(error, match=match):
        MultiDatasetHead(in_channels=4, datasets=datasets,
                         with_projections=False)


def test_projections_need_two_datasets():
    with pytest.raises(ValueError, match='two or more datasets'):
        MultiDatasetHead(in_channels=4,
                         datasets=[dict(name='a', num_classes=2)])


@pytest.mark.parametrize('kwargs, match', [
    (dict(dropout_ratio=1.0), 'dropout_ratio'),
    (dict(init_std=0.0), 'init_std'),
    (dict(projection_loss_weight=-0.1), 'projection_loss_weight'),
    (dict(projection_init_std=-0.1), 'projection_init_std'),
    (dict(num_segments=0), 'num_segments'),
    (dict(hidden_channels=0), 'hidden_channels'),
    (dict(in_channels=0), 'in_channels'),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_head(**kwargs)
