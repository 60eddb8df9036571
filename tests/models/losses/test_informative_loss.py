import inspect
import re

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from torch import nn

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import InformativeLoss


def vicreg_reference(z, variance_weight=25.0, covariance_weight=1.0,
                     gamma=1.0, eps=1e-4):
    """VICReg's variance and covariance terms by numpy in float64, written
    from the paper's definitions: per-dimension standard deviation with
    Bessel's correction, numpy's covariance matrix, explicit loop over the
    off-diagonal pairs."""
    z = np.asarray(z, dtype=np.float64)
    _, dim = z.shape
    std = np.sqrt(z.var(axis=0, ddof=1) + eps)
    variance = np.maximum(0.0, gamma - std).mean()
    cov = np.atleast_2d(np.cov(z, rowvar=False))
    covariance = sum(cov[i, j]**2 for i in range(dim) for j in range(dim)
                     if i != j) / dim
    return variance_weight * variance, covariance_weight * covariance


@pytest.mark.parametrize('seed, num_samples, dim', [(0, 2, 1), (1, 5, 3),
                                                    (2, 16, 7), (3, 9, 32)])
@pytest.mark.parametrize('scale', [0.1, 1.0, 3.0])
def test_matches_numpy_reference_without_expander(seed, num_samples, dim,
                                                  scale):
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(num_samples, dim, generator=gen, dtype=torch.float64)
    z = z * scale + 2.0  # a shifted mean must not matter
    loss = InformativeLoss(loss_weight=1.0)
    terms = loss(z)
    variance, covariance = vicreg_reference(z.numpy())
    assert terms['loss_variance'].item() == pytest.approx(variance, rel=1e-9)
    assert terms['loss_covariance'].item() == pytest.approx(
        covariance, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize('weights', [(25.0, 1.0, 0.1), (1.0, 0.0, 1.0),
                                     (0.0, 2.0, 0.5)])
def test_weights_scale_the_terms(weights):
    variance_weight, covariance_weight, loss_weight = weights
    z = torch.randn(6, 4, generator=torch.Generator().manual_seed(0),
                    dtype=torch.float64) * 0.3
    terms = InformativeLoss(
        variance_weight=variance_weight,
        covariance_weight=covariance_weight,
        loss_weight=loss_weight)(z)
    variance, covariance = vicreg_reference(
        z.numpy(), variance_weight=variance_weight,
        covariance_weight=covariance_weight)
    assert terms['loss_variance'].item() == pytest.approx(
        loss_weight * variance, rel=1e-9)
    assert terms['loss_covariance'].item() == pytest.approx(
        loss_weight * covariance, rel=1e-9, abs=1e-15)


def test_std_target_and_eps_enter_the_hinge():
    z = torch.tensor([[0.0, 0.0], [2.0, 0.0]], dtype=torch.float64)
    terms = InformativeLoss(std_target=3.0, eps=0.5, loss_weight=1.0,
                            variance_weight=1.0)(z)
    # per-dimension variances 2 and 0
    expected = (max(0, 3 - np.sqrt(2.5)) + max(0, 3 - np.sqrt(0.5))) / 2
    assert terms['loss_variance'].item() == pytest.approx(expected)


def test_defaults_are_multitrains():
    params = inspect.signature(InformativeLoss).parameters
    defaults = {name: p.default for name, p in params.items()}
    assert defaults == dict(
        in_channels=None, hidden_channels=4096, out_channels=None,
        variance_weight=25.0, covariance_weight=1.0, std_target=1.0,
        eps=1e-4, loss_weight=0.1)
    # the docstring states the same defaults
    doc = ' '.join(InformativeLoss.__doc__.split())
    for name, value in defaults.items():
        match = re.search(
            rf'{name} \([^)]*\):.*?Defaults to (\S+?)(?:\.\s|\s|\.$)', doc)
        assert match, name
        stated = match.group(1)
        if value is None:
            assert stated == 'None', name
        else:
            assert float(stated) == value, name


def test_expander_is_linear_gelu_linear():
    loss = InformativeLoss(in_channels=8, hidden_channels=16)
    assert isinstance(loss.expander[0], nn.Linear)
    assert isinstance(loss.expander[1], nn.GELU)
    assert isinstance(loss.expander[2], nn.Linear)
    assert (loss.expander[0].in_features, loss.expander[0].out_features,
            loss.expander[2].out_features) == (8, 16, 8)
    wide = InformativeLoss(in_channels=8, hidden_channels=16, out_channels=32)
    assert wide.expander[2].out_features == 32
    x = torch.randn(5, 8, generator=torch.Generator().manual_seed(0))
    z = loss.expander(x).detach().double().numpy()
    variance, covariance = vicreg_reference(z)
    terms = loss(x)
    assert terms['loss_variance'].item() == pytest.approx(
        0.1 * variance, rel=1e-5)
    assert terms['loss_covariance'].item() == pytest.approx(
        0.1 * covariance, rel=1e-4, abs=1e-9)


def test_gradients_reach_input_and_expander():
    loss = InformativeLoss(in_channels=6, hidden_channels=12)
    x = torch.randn(7, 6, generator=torch.Generator().manual_seed(1),
                    requires_grad=True)
    sum(loss(x).values()).backward()
    assert x.grad.abs().sum() > 0
    assert all(p.grad is not None and p.grad.abs().sum() > 0
               for p in loss.expander.parameters())


def test_gradcheck_without_expander():
    z = torch.randn(5, 3, generator=torch.Generator().manual_seed(2),
                    dtype=torch.float64, requires_grad=True) * 0.5
    z = z.detach().requires_grad_()
    loss = InformativeLoss(loss_weight=1.0)
    assert torch.autograd.gradcheck(
        lambda t: sum(loss(t).values()), (z, ))


def test_collapsed_embeddings_cost_more_than_spread_ones():
    loss = InformativeLoss()
    gen = torch.Generator().manual_seed(3)
    spread = torch.randn(32, 8, generator=gen)
    collapsed = spread * 1e-3
    correlated = spread[:, :1].repeat(1, 8)
    assert sum(loss(collapsed).values()) > sum(loss(spread).values())
    assert (loss(correlated)['loss_covariance'] >
            loss(spread)['loss_covariance'])


def test_one_sample_gives_zero_with_graph():
    loss = InformativeLoss(in_channels=4, hidden_channels=8)
    x = torch.randn(1, 4, requires_grad=True)
    terms = loss(x)
    assert terms['loss_variance'].item() == 0.0
    assert terms['loss_covariance'].item() == 0.0
    sum(terms.values()).backward()
    assert all(p.grad is not None for p in loss.expander.parameters())


@pytest.mark.parametrize('dtype', [torch.float16, torch.bfloat16])
def test_half_precision_is_computed_in_float32(dtype):
    z = torch.randn(8, 4, generator=torch.Generator().manual_seed(4))
    terms = InformativeLoss()(z.to(dtype))
    assert terms['loss_variance'].dtype == torch.float32
    ref = InformativeLoss()(z.to(dtype).float())
    assert terms['loss_variance'].item() == pytest.approx(
        ref['loss_variance'].item())


def test_builds_from_registry():
    loss = MODELS.build(
        dict(type='InformativeLoss', in_channels=4, hidden_channels=8,
             loss_weight=1.0)).double()
    assert 'variance_weight=25.0' in repr(loss)
    x = torch.randn(6, 4, generator=torch.Generator().manual_seed(5),
                    dtype=torch.float64)
    terms = loss(x)
    with torch.no_grad():
        variance, covariance = vicreg_reference(loss.expander(x).numpy())
    assert terms['loss_variance'].item() == pytest.approx(variance, rel=1e-9)
    assert terms['loss_covariance'].item() == pytest.approx(
        covariance, rel=1e-9, abs=1e-12)


def test_rejects_non_tensor():
    with pytest.raises(TypeError, match='must be a Tensor'):
        InformativeLoss()([[1.0, 2.0]])


def test_rejects_integer_input():
    with pytest.raises(TypeError, match='floating point'):
        InformativeLoss()(torch.ones(3, 2, dtype=torch.long))


@pytest.mark.parametrize('shape', [(4, ), (2, 3, 4), (0, 3), (3, 0)])
def test_rejects_bad_shapes(shape):
    with pytest.raises(ValueError, match=r'\[B, D\]'):
        InformativeLoss()(torch.zeros(shape))


def test_rejects_wrong_channels():
    with pytest.raises(ValueError, match='5 channels, the expander takes 4'):
        InformativeLoss(in_channels=4, hidden_channels=8)(torch.zeros(3, 5))


@pytest.mark.parametrize('name', ['variance_weight', 'covariance_weight',
                                  'loss_weight', 'eps', 'std_target'])
def test_rejects_negative_weights(name):
    with pytest.raises(ValueError, match=f'{name} must be non-negative'):
        InformativeLoss(**{name: -1.0})


def test_rejects_non_number_weight():
    with pytest.raises(TypeError, match='variance_weight must be a number'):
        InformativeLoss(variance_weight='25')


def test_rejects_bad_expander_sizes():
    with pytest.raises(ValueError, match='hidden_channels must be positive'):
        InformativeLoss(in_channels=4, hidden_channels=0)
    with pytest.raises(TypeError, match='in_channels must be an int'):
        InformativeLoss(in_channels=4.0)
    with pytest.raises(ValueError, match='out_channels needs an expander'):
        InformativeLoss(out_channels=4)
