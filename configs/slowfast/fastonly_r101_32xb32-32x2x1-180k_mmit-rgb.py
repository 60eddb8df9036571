# Fast-only R101, 32x2, without channel reduction, on M-MiT: the 2019
# winners' Fast-only member (Table 2), on the SlowFast members' data (32
# frames taken every 2nd frame) and schedule.
_base_ = [
    '../_base_/models/fastonly_r101.py',
    '../_base_/datasets/mmit_video_dense.py',
    '../_base_/schedules/sgd_cosine_180k.py',
    '../_base_/iter_based_runtime.py'
]
