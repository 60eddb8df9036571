#!/usr/bin/env bash
# The mini challenge on this machine: generate the mini M-MiT, write its list
# files, train the mini TSM member and test it (sample / macro / micro mAP).
# Finished stages are reused; set FRESH=1 to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-data/mini_mmit}
CONFIG=${CONFIG:-configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py}
WORK=${WORK:-work_dirs/$(basename "$CONFIG" .py)}
if [ "${FRESH:-0}" = 1 ]; then rm -rf "$DATA" "$WORK"; fi

[ -f "$DATA/classes.json" ] || python tools/make_mini_dataset.py --out "$DATA"
for split in train:training val:validation test:testing; do
    list="$DATA/mini_mmit_${split%%:*}_list_videos.txt"
    [ -f "$list" ] || python tools/build_annotations.py \
        "$DATA/${split##*:}Set.csv" "$DATA/videos" "$list" --num-classes 14
done
if [ ! -f "$WORK/epoch_8.pth" ]; then
    resume=()
    [ -f "$WORK/last_checkpoint" ] && resume=(--resume)
    python tools/train.py "$CONFIG" --work-dir "$WORK" --seed 0 "${resume[@]}"
fi
python tools/test.py "$CONFIG" "$WORK/epoch_8.pth" --work-dir "$WORK"
