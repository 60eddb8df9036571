# The SlowFast-family members of the winners' ensemble alone, to measure what
# the image-based members add.
_base_ = ['./mmit2019_winners.py']
members = {{_base_.slowfast_members}}
