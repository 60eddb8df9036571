# The mini TSM member trained with LSEP instead of scaled BCE.
_base_ = './tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'

model = dict(cls_head=dict(loss_cls=dict(_delete_=True, type='LSEPLoss')))
