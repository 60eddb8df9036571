"""Forward + backward time and peak memory of the multi-label losses against
plain BCE, in one run:

    python benchmarks/bench_losses.py            # B=64, C=313, CPU, 1 thread

For each loss on random logits ``[B, C]`` (``--positives`` random positive
classes per sample, M-MiT has about 2) it reports

* the median time of one forward + backward pass over ``--repeat`` runs
  (after ``--warmup`` runs), as process CPU time and as wall time, and its
  ratio to plain ``F.binary_cross_entropy_with_logits`` (CPU time on a CPU,
  which other processes competing for the cores do not inflate; wall time
  on a GPU);
* the peak memory allocated by the pass beyond its inputs: on CPU from the
  allocation events of ``torch.profiler`` (``profile_memory=True``), on CUDA
  from ``torch.cuda.max_memory_allocated``;
* the largest tensor any op of the pass produces (forward and backward, seen
  through a ``TorchDispatchMode``), as a multiple of ``B x C``: a loss that
  materialised pairwise ``B x C x C`` tensors would show ``C``.

A textbook pairwise LSEP (``exp(f_u - f_v)`` over a ``B x C x C`` tensor) is
included for reference; it is not one of the package's losses.
"""
import argparse
import statistics
import time
from typing import Callable, Dict, List, Tuple

import torch
import torch.nn.functional as F
from torch._C._autograd import DeviceType
from torch.profiler import ProfilerActivity, profile
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

import mmt_challenge  # noqa: F401
from mmt_challenge.models.losses import (AsymmetricLoss, LSEPLoss,
                                        ScaledBCELoss, TwoWayLoss, WARPLoss)

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def parse_args():
    parser = argparse.ArgumentParser(
        description='time and memory of the multi-label losses vs BCE')
    parser.add_argument('--batch', type=int, default=64, help='B')
    parser.add_argument('--classes', type=int, default=313, help='C')
    parser.add_argument(
        '--positives', type=int, default=2, help='positive classes a sample')
    parser.add_argument('--repeat', type=int, default=50)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument(
        '--threads', type=int, default=1, help='torch CPU threads')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def naive_pairwise_lsep(scores: torch.Tensor,
                        labels: torch.Tensor) -> torch.Tensor:
    """The common LSEP implementation: a ``[B, C, C]`` tensor of
    ``exp(f_u - f_v)`` masked to (positive v, negative u) pairs."""
    pos = labels > 0.5
    pairs = pos[:, :, None] & ~pos[:, None, :]  # [B, v, u]
    diff = scores[:, None, :] - scores[:, :, None]  # f_u - f_v
    return torch.log1p((diff.exp() * pairs).sum(dim=(1, 2))).mean()


def make_losses(num_classes: int, device: str) -> Dict[str, LossFn]:
    counts = [1 + (37 * c) % 101 for c in range(num_classes)]
    return {
        'BCE (F.binary_cross_entropy_with_logits)':
        F.binary_cross_entropy_with_logits,
        'ScaledBCELoss(scale=160)':
        ScaledBCELoss(160.0).to(device),
        'ScaledBCELoss(scale=160, sqrt weights)':
        ScaledBCELoss(160.0, class_weight_mode='sqrt',
                      class_counts=counts).to(device),
        'LSEPLoss':
        LSEPLoss().to(device),
        'LSEPLoss(sqrt weights) [wLSEP]':
        LSEPLoss(class_weight_mode='sqrt', class_counts=counts).to(device),
        "WARPLoss(mode='exact')":
        WARPLoss('exact').to(device),
        "WARPLoss(mode='sampled')":
        WARPLoss('sampled', seed=0).to(device),
        'TwoWayLoss':
        TwoWayLoss().to(device),
        'AsymmetricLoss':
        AsymmetricLoss().to(device),
        'naive pairwise LSEP (B x C x C, reference only)':
        naive_pairwise_lsep,
    }


def make_inputs(args) -> Tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(args.seed)
    scores = torch.randn(args.batch, args.classes, generator=gen)
    labels = torch.zeros(args.batch, args.classes)
    for row in labels:
        row[torch.randperm(args.classes, generator=gen)[:args.positives]] = 1
    return scores.to(args.device), labels.to(args.device)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def time_pass(loss_fn: LossFn, scores: torch.Tensor, labels: torch.Tensor,
              repeat: int, warmup: int) -> Tuple[float, float]:
    """Median wall and process-CPU seconds of one forward + backward."""
    walls: List[float] = []
    cpus: List[float] = []
    for i in range(warmup + repeat):
        leaf = scores.detach().clone().requires_grad_()
        sync(scores.device.type)
        wall, cpu = time.perf_counter(), time.process_time()
        loss_fn(leaf, labels).backward()
        sync(scores.device.type)
        if i >= warmup:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def peak_bytes(loss_fn: LossFn, scores: torch.Tensor,
               labels: torch.Tensor) -> int:
    """Peak bytes allocated by one forward + backward beyond its inputs."""
    leaf = scores.detach().clone().requires_grad_()
    if scores.device.type == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        loss_fn(leaf, labels).backward()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated() - base
    with profile(
            activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        loss_fn(leaf, labels).backward()
    events = [
        e for e in prof.profiler.kineto_results.events()
        if e.name() == '[memory]' and e.device_type() == DeviceType.CPU
    ]
    current = peak = 0
    for event in sorted(events, key=lambda e: e.start_ns()):
        current += event.nbytes()
        peak = max(peak, current)
    return peak


class LargestTensor(TorchDispatchMode):
    """The largest tensor (elements) any op produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for leaf in tree_leaves(out):
            if isinstance(leaf, torch.Tensor):
                self.largest = max(self.largest, leaf.numel())
        return out


def largest_tensor(loss_fn: LossFn, scores: torch.Tensor,
                   labels: torch.Tensor) -> int:
    leaf = scores.detach().clone().requires_grad_()
    mode = LargestTensor()
    with mode:
        loss_fn(leaf, labels).backward()
    return mode.largest


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    scores, labels = make_inputs(args)
    losses = make_losses(args.classes, args.device)
    # every timing first: a profiler or dispatch-mode pass slows the ops
    # that run after it in the same process
    times = [
        time_pass(loss_fn, scores, labels, args.repeat, args.warmup)
        for loss_fn in losses.values()
    ]
    peaks = [peak_bytes(fn, scores, labels) for fn in losses.values()]
    largest = [largest_tensor(fn, scores, labels) for fn in losses.values()]
    rows = list(zip(losses, times, peaks, largest))
    on_cpu = args.device == 'cpu'
    # on a CPU the process time is the measure (robust to other processes
    # competing for the cores); on a GPU the synchronised wall time
    key = 1 if on_cpu else 0
    base_time, base_mem = rows[0][1][key], rows[0][2]
    b_c = args.batch * args.classes
    device = args.device
    if on_cpu:
        device = f'cpu, {torch.get_num_threads()} thread(s)'
    print(f'B={args.batch}, C={args.classes}, {args.positives} positives a '
          f'sample, float32, {device}, torch {torch.__version__}, median of '
          f'{args.repeat} forward+backward passes; x BCE compares '
          f'{"CPU" if on_cpu else "wall"} times\n')
    print('| loss | fwd+bwd CPU ms | fwd+bwd wall ms | x BCE '
          '| peak memory KiB | x BCE | largest tensor / (B*C) |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for name, (wall, cpu), peak, largest in rows:
        print(f'| {name} | {cpu * 1e3:.3f} | {wall * 1e3:.3f} '
              f'| {(cpu, wall)[1 - key] / base_time:.1f} '
              f'| {peak / 1024:.0f} | {peak / max(base_mem, 1):.1f} '
              f'| {largest / b_c:.2f} |')


if __name__ == '__main__':
    main()
