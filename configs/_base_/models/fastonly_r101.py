# Fast-only R101: SlowFast's Fast pathway alone, without its channel reduction
# (beta_inv 1: the width of a ResNet-101, as the report's Fast-only member).
# As the Fast pathway of MMAction2's SlowFast: 5x7x7 conv1 and temporal
# kernels in every stage; a Slow-only backbone (no lateral connections)
# with those two settings changed.
_base_ = './slowonly_r101.py'

model = dict(backbone=dict(conv1_kernel=(5, 7, 7), inflate=(1, 1, 1, 1)))
