# The winners' members fused by the mean of logits instead of probabilities.
_base_ = ['./mmit2019_winners.py']
fusion = dict(_delete_=True, type='logit_mean', eps=1e-6)
