# The winners' members, with greedy forward selection (Caruana et al. 2004)
# choosing which members enter before coordinate ascent refines the weights.
_base_ = ['./mmit2019_winners.py']
search = dict(greedy=True)
