# The winners' members plus our TRN R50 member, which the report tried and
# left out ("it doesn't work well in our attempt"): whether it adds anything
# to the ensemble once the weights are searched.
_base_ = ['./mmit2019_winners.py']
members = [*_base_.members, _base_.trn_member]
