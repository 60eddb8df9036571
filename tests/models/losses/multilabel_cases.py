"""Random multi-label cases and autograd helpers shared by the loss tests
(importable because pytest puts a test file's folder on ``sys.path``)."""
import torch


def random_case(seed, num_samples, num_classes, spread=3.0, density=0.3):
    """``[B, C]`` float64 logits ``N(0, spread^2)`` and 0 / 1 targets, each
    positive with probability ``density``."""
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randn(
        num_samples, num_classes, generator=gen, dtype=torch.float64) * spread
    labels = (torch.rand(num_samples, num_classes, generator=gen)
              < density).double()
    return scores, labels


def loss_and_grad(loss_fn, scores, labels, **kwargs):
    """The loss and its gradient with respect to ``scores``."""
    scores = scores.detach().clone().requires_grad_()
    value = loss_fn(scores, labels, **kwargs)
    (grad, ) = torch.autograd.grad(value, scores)
    return value.detach(), grad
