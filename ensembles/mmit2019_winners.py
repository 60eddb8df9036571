# The M-MiT 2019 winners' final ensemble: nine image-based members (TSN R101,
# Inception-ResNet-v2 and SENet-154; TSM x3; TIN x3) and five SlowFast-family
# members, weighted mean of probabilities with weights fitted on validation
# (5-fold honest estimate reported). TRN is left out as in the report;
# ./mmit2019_winners_with_trn.py adds it.
#
#   python tools/ensemble.py ensembles/mmit2019_winners.py \
#       --ann data/mmit/val_list.txt --out work_dirs/ensembles/winners_val.npz
_base_ = ['./_base_/mmit2019_members.py', './_base_/default_fusion.py']
