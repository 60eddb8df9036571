import numpy as np
import pytest
import torch

from mmt_challenge.models.ops import linear_tin_shift, tin_shift


def kernel_reference(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """mmcv's CUDA forward kernel, loop for loop: out[i + shift] = x[i]."""
    n, t, c, _ = x.shape
    group_channel = c // shift.shape[1]
    out = np.zeros_like(x)
    for b in range(n):
        for j in range(c):
            t_shift = int(shift[b, j // group_channel])
            for i in range(t):
                if 0 <= i + t_shift < t:
                    out[b, i + t_shift, j] = x[b, i, j]
    return out


def gather_reference(x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """out[t] = x[t - shift] where that frame exists, by fancy indexing."""
    n, t, c, _ = x.shape
    groups = shift.shape[1]
    per_channel = np.repeat(shift, c // groups, axis=1)  # [N, C]
    source = np.arange(t)[None, :, None] - per_channel[:, None, :]
    valid = (source >= 0) & (source < t)
    source = np.clip(source, 0, t - 1)
    batch = np.arange(n)[:, None, None]
    channel = np.arange(c)[None, None, :]
    return np.where(valid[..., None], x[batch, source, channel], 0)


@pytest.mark.parametrize('n, t, c, hw, groups, max_shift', [
    (1, 4, 2, 1, 2, 1),
    (2, 8, 16, 5, 4, 3),
    (3, 8, 12, 3, 3, 20),  # shifts far beyond +/-T
    (2, 5, 8, 2, 8, 5),  # exactly +/-T included
    (2, 1, 4, 3, 1, 2),  # a single frame
])
def test_tin_shift_matches_references(n, t, c, hw, groups, max_shift):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, t, c, hw)).astype(np.float32)
    shift = rng.integers(-max_shift, max_shift + 1, size=(n, groups))
    expected = kernel_reference(x, shift)
    np.testing.assert_array_equal(gather_reference(x, shift), expected)
    out = tin_shift(torch.from_numpy(x), torch.from_numpy(shift))
    np.testing.assert_array_equal(out.numpy(), expected)


def test_tin_shift_small_example():
    # Channel 0 moves one frame later, channel 1 one frame earlier.
    x = torch.arange(8.).view(1, 4, 2, 1)
    out = tin_shift(x, torch.tensor([[1, -1]]))
    assert out[0, :, 0, 0].tolist() == [0., 0., 2., 4.]
    assert out[0, :, 1, 0].tolist() == [3., 5., 7., 0.]


@pytest.mark.parametrize(
    'dtype', [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize('shift_dtype',
                         [torch.int8, torch.int32, torch.int64])
def test_tin_shift_dtypes(dtype, shift_dtype):
    x = torch.randn(2, 6, 8, 3, generator=torch.Generator().manual_seed(1))
    shift = torch.tensor([[-7, 0, 2, 5], [1, -1, 6, -3]], dtype=shift_dtype)
    out = tin_shift(x.to(dtype), shift)
    assert out.dtype == dtype
    expected = kernel_reference(x.to(dtype).double().numpy(), shift.numpy())
    np.testing.assert_array_equal(out.double().numpy(), expected)


def test_tin_shift_non_contiguous_input():
    base = torch.randn(2, 3, 8, 6)
    x = base.permute(0, 2, 1, 3)  # [2, 8, 3, 6], not contiguous
    shift = torch.tensor([[2, -1, 0], [-3, 1, 9]])
    expected = kernel_reference(x.contiguous().numpy(), shift.numpy())
    np.testing.assert_array_equal(tin_shift(x, shift).numpy(), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_tin_shift_cuda_matches_cpu():
    x = torch.randn(2, 8, 16, 7)
    shift = torch.randint(-9, 10, (2, 4))
    out = tin_shift(x.cuda(), shift.cuda())
    torch.testing.assert_close(out.cpu(), tin_shift(x, shift), rtol=0, atol=0)


def test_tin_shift_gradcheck():
    x = torch.randn(2, 5, 6, 3, dtype=torch.float64, requires_grad=True)
    shift = torch.tensor([[2, -1, 7], [0, -5, 1]])
    assert torch.autograd.gradcheck(lambda x: tin_shift(x, shift), (x, ))
    assert torch.autograd.gradgradcheck(lambda x: tin_shift(x, shift), (x, ))


def test_tin_shift_gradient_is_the_adjoint():
    # <S x, y> = <x, S^T y> with S^T the shift by -shift, i.e. the gradient
    # of x -> <S x, y> is S^T y. mmcv's backward kernel returns S y instead.
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 8, 8, 4, dtype=torch.float64, generator=gen)
    y = torch.randn(2, 8, 8, 4, dtype=torch.float64, generator=gen)
    shift = torch.tensor([[1, -2, 3, 0], [-1, 2, 4, -6]])
    x.requires_grad_(True)
    (tin_shift(x, shift) * y).sum().backward()
    adjoint = tin_shift(y, -shift)
    torch.testing.assert_close(x.grad, adjoint, rtol=0, atol=0)
    torch.testing.assert_close((tin_shift(x, shift) * y).sum(),
                               (x * adjoint).sum())
    assert not torch.allclose(x.grad, tin_shift(y, shift))  # mmcv's answer


def interpolation_reference(x: np.ndarray, offset: np.ndarray,
                            weight=None) -> np.ndarray:
    low = np.floor(offset)
    frac = (offset - low)[:, None, :, None, None]
    n, t, c, hw = x.shape
    groups = offset.shape[1]
    data0 = kernel_reference(x, low.astype(int)).reshape(n, t, groups, -1, hw)
    data1 = kernel_reference(x, low.astype(int) + 1).reshape(
        n, t, groups, -1, hw)
    out = (1 - frac) * data0 + frac * data1
    if weight is not None:
        out = out * weight[..., None, None]
    return out.reshape(n, t, c, hw)


@pytest.mark.parametrize('with_weight', [False, True])
def test_linear_tin_shift_matches_reference(with_weight):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 8, 12, 4))
    offset = rng.uniform(-10, 10, size=(3, 4))  # also beyond +/-T
    weight = rng.uniform(0, 2, size=(3, 8, 4)) if with_weight else None
    out = linear_tin_shift(
        torch.from_numpy(x), torch.from_numpy(offset),
        None if weight is None else torch.from_numpy(weight))
    np.testing.assert_allclose(
        out.numpy(), interpolation_reference(x, offset, weight), rtol=1e-12,
        atol=1e-12)


def test_linear_tin_shift_integer_offsets_equal_tin_shift():
    x = torch.randn(2, 6, 8, 3)
    shift = torch.tensor([[-2, 0, 1, 7], [3, -1, -6, 2]])
    torch.testing.assert_close(
        linear_tin_shift(x, shift.float()), tin_shift(x, shift), rtol=0,
        atol=0)


def test_linear_tin_shift_gradcheck():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(2, 6, 4, 3, dtype=torch.float64, generator=gen)
    # Fractional parts kept away from integers, where the derivative with
    # respect to the offset jumps.
    offset = torch.tensor([[-1.3, 0.4], [2.7, -0.6]], dtype=torch.float64)
    weight = 2 * torch.rand(2, 6, 2, dtype=torch.float64, generator=gen)
    inputs = tuple(t.requires_grad_(True) for t in (x, offset, weight))
    assert torch.autograd.gradcheck(linear_tin_shift, inputs)
    assert torch.autograd.gradcheck(linear_tin_shift, inputs[:2])


def test_linear_tin_shift_keeps_input_dtype():
    x = torch.randn(1, 4, 4, 2, dtype=torch.bfloat16)
    out = linear_tin_shift(x, torch.tensor([[0.5, -1.25]]))
    assert out.dtype == torch.bfloat16


@pytest.mark.parametrize('fn, x, shift, error, match', [
    (tin_shift, np.zeros((2, 4, 4, 1)), torch.zeros(2, 2, dtype=torch.long),
     TypeError, 'x must be a Tensor, got ndarray'),
    (tin_shift, torch.zeros(2, 4, 4, 1), [[0, 0], [0, 0]], TypeError,
     'shift must be a Tensor, got list'),
    (tin_shift, torch.zeros(2, 4, 4), torch.zeros(2, 2, dtype=torch.long),
     ValueError, r'x must have shape \[N, T, C, HW\], got shape \(2, 4, 4\)'),
    (tin_shift, torch.zeros(2, 4, 4, 1), torch.zeros(2, dtype=torch.long),
     ValueError, r'shift must have shape \[N, G\], got shape \(2,\)'),
    (tin_shift, torch.zeros(2, 4, 4, 1), torch.zeros(3, 2, dtype=torch.long),
     ValueError, 'batch.*got 2 and 3'),
    (tin_shift, torch.zeros(2, 4, 6, 1), torch.zeros(2, 4, dtype=torch.long),
     ValueError, 'C=6 and G=4'),
    (tin_shift, torch.zeros(2, 4, 6, 1), torch.zeros(2, 0, dtype=torch.long),
     ValueError, 'C=6 and G=0'),
    (tin_shift, torch.zeros(2, 4, 4, 1), torch.zeros(2, 2), TypeError,
     'shift must be an integer tensor, got dtype torch.float32'),
    (tin_shift, torch.zeros(2, 4, 4, 1), torch.zeros(2, 2, dtype=torch.bool),
     TypeError, 'shift must be an integer tensor, got dtype torch.bool'),
    (tin_shift, torch.zeros(2, 4, 4, 1),
     torch.zeros(2, 2, dtype=torch.long, device='meta'), ValueError,
     'x is on cpu but shift is on meta'),
    (linear_tin_shift, torch.zeros(2, 4, 4, 1),
     torch.zeros(2, 2, dtype=torch.long), TypeError,
     'offset must be a floating tensor, got dtype torch.int64'),
    (linear_tin_shift, torch.zeros(2, 4, 4, 1), torch.zeros(2, 3), ValueError,
     'C=4 and G=3'),
])
def test_shift_input_errors(fn, x, shift, error, match):
    with pytest.raises(error, match=match):
        fn(x, shift)


@pytest.mark.parametrize('weight, error, match', [
    (torch.ones(2, 4, 2, dtype=torch.long), TypeError,
     'weight must be a floating tensor, got dtype torch.int64'),
    (np.ones((2, 4, 2)), TypeError, 'weight must be a Tensor, got ndarray'),
    (torch.ones(2, 2, 4), ValueError,
     r'weight must have shape \(2, 4, 2\) \[N, T, G\], got \(2, 2, 4\)'),
])
def test_linear_tin_shift_weight_errors(weight, error, match):
    with pytest.raises(error, match=match):
        linear_tin_shift(torch.zeros(2, 4, 4, 1), torch.zeros(2, 2), weight)
