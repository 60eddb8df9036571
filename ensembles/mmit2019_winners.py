# The M-MiT 2019 winners' final ensemble: eight image-based members (TSN, TRN,
# TSM, TIN) and five SlowFast-family members, weighted mean of probabilities
# with weights fitted on validation (5-fold honest estimate reported).
#
#   python tools/ensemble.py ensembles/mmit2019_winners.py \
#       --ann data/mmit/val_list.txt --out work_dirs/ensembles/winners_val.npz
_base_ = ['./_base_/mmit2019_members.py', './_base_/default_fusion.py']
