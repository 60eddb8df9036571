# The mini TSM member trained with the two-way multi-label loss (Kobayashi,
# CVPR 2023; its defaults T_p = 4, T_n = 1) instead of scaled BCE.
_base_ = './tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='TwoWayLoss')))
