#!/usr/bin/env bash
# The GPU path in one command, on a CUDA machine:
#
#   bash benchmarks/device_check.sh [WORK_DIR]   (default work_dirs/device_check)
#
# 1. generates a small mini M-MiT (160 training, 48 validation videos) and its
#    list files;
# 2. trains the mini TSM member one epoch in float32 and one with --amp
#    (mmengine's AmpOptimWrapper, fp16), from the same seed;
# 3. dense-tests the float32 checkpoint on the GPU (float32 and --amp) and on
#    the CPU (CUDA_VISIBLE_DEVICES=''), 4 clips x 3 crops at scales 48/56/64;
# 4. compares the GPU's scores with the CPU's and prints train clips/s and
#    dense-test videos/s (whole commands, start-up included).
#
# Exits non-zero with a message when no CUDA device is present, when a step
# fails, or when the GPU's float32 scores differ from the CPU's by more than
# 1e-2 (cuDNN may use TF32 convolutions) or its --amp scores by more than 5e-2.
# Environment: PYTHON (default python), AMP (fp16 or bf16, default fp16).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python}
AMP=${AMP:-fp16}
W=${1:-work_dirs/device_check}

if ! "$PYTHON" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "device_check.sh: error: no CUDA device (torch.cuda.is_available() is False): this check needs a GPU and a CUDA build of torch" >&2
    exit 1
fi
GPU=$("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0))')
echo "device_check.sh: $GPU, torch $("$PYTHON" -c 'import torch; print(torch.__version__)')"

CONFIG=configs/mini/tsm_r18_1xb8-1x1x8-8e_mini-mmit-rgb.py
DATA=$W/data
mkdir -p "$W"
if [ ! -f "$DATA/classes.json" ]; then
    "$PYTHON" tools/make_mini_dataset.py --out "$DATA" --num-train 160 \
        --num-val 48 --num-test 8 --overwrite
fi
for split in train:training val:validation; do
    list=$DATA/${split%%:*}_list.txt
    [ -f "$list" ] || "$PYTHON" tools/build_annotations.py \
        "$DATA/${split##*:}Set.csv" "$DATA/videos" "$list"
done
NUM_TRAIN=$(wc -l < "$DATA/train_list.txt")
NUM_VAL=$(wc -l < "$DATA/val_list.txt")
DATA_OPTIONS=(
    "train_dataloader.dataset.ann_file=$DATA/train_list.txt"
    "train_dataloader.dataset.data_prefix.video=$DATA/videos"
    "test_dataloader.dataset.ann_file=$DATA/val_list.txt"
    "test_dataloader.dataset.data_prefix.video=$DATA/videos"
    "train_cfg.max_epochs=1")

seconds() {  # seconds COMMAND...: run it, print its wall time in seconds
    local start end
    start=$(date +%s.%N)
    "$@" > "$W/last.log" 2>&1 || { tail -n 40 "$W/last.log" >&2;
        echo "device_check.sh: error: failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    awk "BEGIN { print $end - $start }"
}

train() {  # train NAME [--amp ...]
    local name=$1; shift
    rm -rf "$W/$name"
    seconds "$PYTHON" tools/train.py "$CONFIG" --work-dir "$W/$name" \
        --no-validate --seed 0 "$@" --cfg-options "${DATA_OPTIONS[@]}"
}

dense_test() {  # dense_test OUT [options]
    local out=$1; shift
    seconds "$PYTHON" tools/dense_test.py "$CONFIG" "$W/fp32/epoch_1.pth" \
        --out "$out" --num-clips 4 --num-crops 3 --scales 48 56 64 "$@" \
        --cfg-options "${DATA_OPTIONS[@]}"
}

TRAIN_FP32=$(train fp32)
TRAIN_AMP=$(train amp --amp "$AMP")
TEST_FP32=$(dense_test "$W/scores_gpu.npz")
TEST_AMP=$(dense_test "$W/scores_gpu_amp.npz" --amp "$AMP")
TEST_CPU=$(CUDA_VISIBLE_DEVICES='' dense_test "$W/scores_cpu.npz")

"$PYTHON" - "$W" "$GPU" "$AMP" "$NUM_TRAIN" "$NUM_VAL" "$TRAIN_FP32" \
    "$TRAIN_AMP" "$TEST_FP32" "$TEST_AMP" "$TEST_CPU" <<'EOF'
import sys

import numpy as np

from mmt_challenge.structures import load_score_file

work, gpu, amp = sys.argv[1:4]
num_train, num_val = int(sys.argv[4]), int(sys.argv[5])
train_fp32, train_amp, test_fp32, test_amp, test_cpu = map(
    float, sys.argv[6:11])
cpu = load_score_file(f'{work}/scores_cpu.npz')
rows = [('train, float32', num_train / train_fp32, 'clips/s', None),
        (f'train, --amp {amp}', num_train / train_amp, 'clips/s', None)]
failed = []
for name, path, seconds, limit in (
        ('dense test GPU, float32', 'scores_gpu.npz', test_fp32, 1e-2),
        (f'dense test GPU, --amp {amp}', 'scores_gpu_amp.npz', test_amp, 5e-2),
        ('dense test CPU, float32', 'scores_cpu.npz', test_cpu, None)):
    scores = load_score_file(f'{work}/{path}')
    if scores.video_ids.tolist() != cpu.video_ids.tolist():
        sys.exit(f'device_check.sh: error: {path} scored other videos')
    diff = float(np.abs(scores.scores - cpu.scores).max())
    if limit is not None and diff > limit:
        failed.append(f'{name}: max |GPU - CPU| {diff:.1e} > {limit:g}')
    rows.append((name, num_val / seconds, 'videos/s', diff))
print(f'\n{gpu}: mini TSM R18, {num_train} training videos (1 epoch), '
      f'{num_val} validation videos (4 clips x 3 crops x 3 scales)')
print(f'{"run":<32}{"rate":>10}  {"unit":<9}{"max |scores - CPU|":>20}')
for name, rate, unit, diff in rows:
    diff = '' if diff is None else f'{diff:.1e}'
    print(f'{name:<32}{rate:>10.2f}  {unit:<9}{diff:>20}')
if failed:
    sys.exit('device_check.sh: error: ' + '; '.join(failed))
EOF
