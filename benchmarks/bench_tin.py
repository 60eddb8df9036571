"""Forward+backward time of TIN against TSM: backbones and shift ops.

Times, in one run and interleaved (so that load on the machine hits both
alike), the median over ``--repeats`` of one forward and backward pass of:

- the TIN backbone (``ResNetTINTorch``, shift_div 4) against MMAction2's TSM
  backbone (``ResNetTSM``, shift_div 8, ``pretrained2d=False``) of the same
  depth, frames and input size;
- ``tin_shift`` (integer shifts, all channels) and the full interlace module
  (``TemporalInterlace``: offset and weight nets, interpolated shift of 1/4
  of the channels) against TSM's plain-slicing shift
  (``TemporalShift.shift``), on the input of ResNet-50's first stage,
  ``[N*T, 256, S/4, S/4]``.

Example::

    OMP_NUM_THREADS=1 python benchmarks/bench_tin.py --depth 50 \\
        --frames 8 --batch 1 --size 112 --repeats 5
"""
import argparse
import statistics
import time

import torch

import mmt_challenge  # noqa: F401  registers our modules, fixes mmaction
from mmaction.models.backbones.resnet_tsm import ResNetTSM, TemporalShift
from mmt_challenge.models.backbones import ResNetTINTorch, TemporalInterlace
from mmt_challenge.models.ops import tin_shift


def parse_args():
    parser = argparse.ArgumentParser(
        description='Forward+backward time of TIN against TSM')
    parser.add_argument('--depth', type=int, default=50)
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--batch', type=int, default=1, help='clips')
    parser.add_argument('--size', type=int, default=112, help='pixels')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads', type=int, default=None, help='torch CPU threads')
    return parser.parse_args()


def _sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_interleaved(cases, repeats, warmup, device):
    """Median seconds per case; each repeat runs every case once."""
    times = {name: [] for name in cases}
    for i in range(warmup + repeats):
        for name, step in cases.items():
            _sync(device)
            start = time.perf_counter()
            step()
            _sync(device)
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def backbone_step(model, x):

    def step():
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()

    return step


def op_step(fn, x):

    def step():
        x.grad = None
        fn(x).sum().backward()

    return step


def main():
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    n, t, s = args.batch, args.frames, args.size

    tsm = ResNetTSM(
        args.depth, num_segments=t, pretrained=None, pretrained2d=False)
    tin = ResNetTINTorch(args.depth, num_segments=t, pretrained=None)
    for model in (tsm, tin):
        model.init_weights()
        model.to(device)
        model.train()
    clips = torch.randn(n * t, 3, s, s, device=device)
    backbone = time_interleaved(
        {
            'TSM': backbone_step(tsm, clips),
            'TIN': backbone_step(tin, clips)
        }, args.repeats, args.warmup, device)

    channels, side = 256, max(s // 4, 1)
    features = torch.randn(
        n * t, channels, side, side, device=device, requires_grad=True)
    shift = torch.randint(-2, 3, (n, 8), device=device)
    interlace = TemporalInterlace(channels, num_segments=t).to(device)
    ops = time_interleaved(
        {
            'tsm_shift':
            op_step(lambda x: TemporalShift.shift(x, t, shift_div=8),
                    features),
            'tin_shift':
            op_step(
                lambda x: tin_shift(
                    x.view(n, t, channels, side * side), shift), features),
            'interlace':
            op_step(interlace, features),
        }, args.repeats, args.warmup, device)

    print(f'torch {torch.__version__}, device {device}, '
          f'threads {torch.get_num_threads()}, median of {args.repeats} '
          f'(after {args.warmup} warm-up), forward+backward')
    rows = [
        (f'R{args.depth} backbone, {n}x{t} frames x {s}px',
         'ResNetTSM', backbone['TSM'], 'ResNetTINTorch', backbone['TIN']),
        (f'shift op, [{n * t}, {channels}, {side}, {side}]',
         'TSM slicing shift', ops['tsm_shift'], 'tin_shift (8 groups)',
         ops['tin_shift']),
        (f'shift module, [{n * t}, {channels}, {side}, {side}]',
         'TSM slicing shift', ops['tsm_shift'], 'TemporalInterlace',
         ops['interlace']),
    ]
    header = ('what', 'TSM', 'ms', 'TIN', 'ms', 'TIN/TSM')
    table = [header] + [(what, a, f'{ta * 1e3:.2f}', b, f'{tb * 1e3:.2f}',
                         f'{tb / ta:.3f}')
                        for what, a, ta, b, tb in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = ['| ' + ' | '.join(cell.ljust(w) for cell, w in zip(row, widths))
             + ' |' for row in table]
    lines.insert(1, '|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
