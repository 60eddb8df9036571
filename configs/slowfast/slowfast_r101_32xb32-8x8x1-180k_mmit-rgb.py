# SlowFast R101, Slow 8x8 + Fast 32x2 on 64 consecutive frames, on M-MiT: the
# 2019 winners' SlowFast member (Table 2). 32 GPUs x 32 clips, synchronized
# BN, cosine schedule of 180k iterations.
_base_ = [
    '../_base_/models/slowfast_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]
