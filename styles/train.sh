#!/usr/bin/env bash
# Retrains the default styles: renders before/after pairs from the training faces with each style file, trains
# the network on them, and copies each exported model next to its style file (styles/<name>.onnx), from where
# the TinyBeauty.Onnx package embeds it.
#
#   bash styles/train.sh [style ...]      (default: every styles/*.json)
#
# Work folders go to $WORK (default: artifacts/styles), models to $MODELS (default: styles). The network trains on
# 128 x 128 views of the 256 x 256 pairs (the whole crop, scaled down), so that its receptive field spans a larger
# part of the face; the exported model records that side and runs at it. On an idle 2-core CPU each style takes
# about 35 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

work="${WORK:-artifacts/styles}"
models="${MODELS:-styles}"
pairs_per_style="${PAIRS:-408}"
epochs="${EPOCHS:-60}"
cli=(dotnet run --project samples/TinyBeauty.Cli -c Release --)

dotnet build samples/TinyBeauty.Cli -c Release >/dev/null

styles=("$@")
if [ ${#styles[@]} -eq 0 ]; then
  for file in styles/*.json; do styles+=("$(basename "$file" .json)"); done
fi

for style in "${styles[@]}"; do
  echo "== $style"
  "${cli[@]}" amplify render --style "styles/$style.json" --faces data/faces/train -o "$work/$style/pairs" \
    --count "$pairs_per_style" --size 256 --crop-scale 1.6 --crop-jitter 0.3 --rotation-jitter 15 --tone-jitter 0.5 \
    --seed 1
  "${cli[@]}" train --pairs "$work/$style/pairs" -o "$work/$style/run" \
    --epochs "$epochs" --batch 8 --crop 128 --lr 1e-3 --change-emphasis 15 --region-emphasis 15 --eyeliner 20 \
    --seed 1
  mkdir -p "$models"
  cp "$work/$style/run/model.onnx" "$models/$style.onnx"
done
