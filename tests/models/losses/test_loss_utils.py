"""What the three losses share: documented defaults, class weights, memory."""
import inspect
import re

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import (LSEPLoss, ScaledBCELoss, WARPLoss,
                                         class_weights_from_counts)
from mmt_challenge.models.losses.utils import check_ranking_inputs

LOSSES = [ScaledBCELoss, LSEPLoss, WARPLoss]


def documented_defaults(cls):
    """``{arg: 'text after Defaults to'}`` from the class docstring's Args."""
    doc = inspect.getdoc(cls)
    args = doc.split('Args:')[1].split('\n\n')[0]
    found = {}
    for match in re.finditer(r'^    (\w+) \([^)]*\):(.*?)(?=^    \w+ \(|\Z)',
                             args, re.S | re.M):
        text = ' '.join(match.group(2).split())
        default = re.search(r'Defaults to (.*?)\.?(?: \(|$)', text)
        if default:
            found[match.group(1)] = default.group(1).replace('``', '')
    return found


@pytest.mark.parametrize('cls', LOSSES)
def test_docstring_defaults_match_signature(cls):
    documented = documented_defaults(cls)
    params = inspect.signature(cls.__init__).parameters
    with_default = {
        name: p.default
        for name, p in params.items()
        if p.default is not inspect.Parameter.empty
    }
    assert set(documented) == set(with_default)
    for name, default in with_default.items():
        assert documented[name] == repr(default), name


def test_defaults_that_matter():
    assert ScaledBCELoss().scale == 1.0  # members set 160 explicitly
    assert WARPLoss().mode == 'exact'
    assert WARPLoss().margin == 1.0
    for cls in LOSSES:
        loss_fn = cls()
        assert loss_fn.class_weight is None
        assert loss_fn.loss_weight == 1.0


@pytest.mark.parametrize('mode, expected', [
    ('sqrt', [0.5, 1.0, 0.75**0.5, 2**0.5]),
    ('linear', [0.25, 1.0, 0.75, 2.0]),
])
def test_class_weights_from_counts(mode, expected):
    # N_mean = 4
    weights = class_weights_from_counts([1, 4, 3, 8], mode)
    assert weights.dtype == torch.float64
    assert weights.tolist() == pytest.approx(expected, rel=1e-15)


def test_class_weights_none_and_tensor_input():
    assert class_weights_from_counts([1, 2], 'none') is None
    weights = class_weights_from_counts(torch.tensor([2, 6]), 'linear')
    assert weights.tolist() == [0.5, 1.5]


@pytest.mark.parametrize('counts, error, match', [
    ([3, float('nan')], ValueError, 'must be finite; class 1 has count nan'),
    ([], ValueError, r'non-empty 1-D sequence, got shape \(0,\)'),
    ([0, 0], ValueError, r'2 of 2 classes have count 0 \(classes 0, 1\)'),
    (list(range(-1, 20)), ValueError, 'class 0 has count -1.0'),
    ([0] * 12 + [1], ValueError, r'classes 0, 1, .*, 9 and 2 more'),
])
def test_class_weight_errors(counts, error, match):
    with pytest.raises(error, match=match):
        class_weights_from_counts(counts, 'sqrt')


class LargestTensor(TorchDispatchMode):
    """Record the largest tensor any op (forward or backward) produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0
        self.op = None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for leaf in tree_leaves(out):
            if isinstance(leaf, torch.Tensor) and leaf.numel() > self.largest:
                self.largest, self.op = leaf.numel(), str(func)
        return out


@pytest.mark.parametrize(
    'loss_fn', [
        ScaledBCELoss(160.0),
        LSEPLoss(),
        WARPLoss('exact'),
        WARPLoss('sampled', seed=0),
        LSEPLoss(
            class_weight_mode='sqrt', class_counts=[1 + c
                                                    for c in range(313)]),
    ],
    ids=['bce', 'lsep', 'warp-exact', 'warp-sampled', 'wlsep'])
@pytest.mark.parametrize('density', [0.01, 0.5])
def test_no_pairwise_intermediate(loss_fn, density):
    num_samples, num_classes = 64, 313
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(
        num_samples, num_classes, generator=gen, requires_grad=True)
    labels = (torch.rand(num_samples, num_classes, generator=gen)
              < density).float()
    mode = LargestTensor()
    with mode:
        loss_fn(scores, labels).backward()
    # nothing of B x C x C, nor anywhere near: at most a small multiple of
    # B x C (the sampled WARP draws up to 64 negatives per positive at a
    # time)
    limit = num_samples * (num_classes + 1)
    if isinstance(loss_fn, WARPLoss) and loss_fn.mode == 'sampled':
        limit = 64 * num_samples * num_classes
    assert mode.largest <= limit, (mode.largest, mode.op)
    assert mode.largest < num_samples * num_classes * num_classes


@pytest.mark.parametrize('loss_fn', [
    ScaledBCELoss(160.0),
    LSEPLoss(),
    WARPLoss('exact'),
],
                         ids=['bce', 'lsep', 'warp-exact'])
@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_logits_computed_in_float32(loss_fn, dtype):
    gen = torch.Generator().manual_seed(1)
    scores = (torch.randn(8, 313, generator=gen) * 30).to(dtype)
    labels = (torch.rand(8, 313, generator=gen) < 0.02).to(dtype)
    leaf = scores.clone().requires_grad_()
    value = loss_fn(leaf, labels)
    value.backward()
    assert value.dtype == torch.float32
    torch.testing.assert_close(value, loss_fn(scores.float(), labels.float()))
    assert leaf.grad.dtype == dtype
    assert torch.isfinite(leaf.grad).all()


@pytest.mark.parametrize('cls', LOSSES)
def test_stray_keyword_is_named(cls):
    scores, labels = torch.zeros(2, 3), torch.tensor([[1., 0, 0], [0, 1, 0]])
    with pytest.raises(
            TypeError,
            match=rf"^{cls.__name__} got unexpected keyword arguments "
            r"\['avg_factor', 'weight'\]$"):
        cls()(scores, labels, weight=None, avg_factor=2)


def test_check_ranking_inputs_splits_targets():
    scores = torch.zeros(2, 3, dtype=torch.float16)
    labels = torch.tensor([[1, 0, 0], [0, 0.6, 0.2]])
    cls_score, pos, neg = check_ranking_inputs(scores, labels, None, 0.5,
                                               'Loss')
    assert cls_score.dtype == torch.float32
    assert pos.tolist() == [[True, False, False], [False, True, False]]
    assert torch.equal(neg, ~pos)
    with pytest.raises(ValueError, match='^Loss: targets must be 0 or 1'):
        check_ranking_inputs(scores, labels, None, None, 'Loss')
    with pytest.raises(ValueError, match=r'^Loss: label shape \(3,\)'):
        check_ranking_inputs(scores, labels[0], None, None, 'Loss')
