# The mini TSM member trained with the asymmetric loss (Ridnik et al., ICCV
# 2021; its defaults gamma_neg = 4, gamma_pos = 0, clip = 0.05) instead of
# scaled BCE.
_base_ = './tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py'

model = dict(
    cls_head=dict(loss_cls=dict(_delete_=True, type='AsymmetricLoss')))
