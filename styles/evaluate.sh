#!/usr/bin/env bash
# Scores every embedded style on the held-out faces (data/faces/held-out, never used in training): renders the
# style's target pairs with the renderer, makes up the same crops with the trained model, and writes one table
# and one gallery (before | model | renderer) per style to docs/default-styles/.
#
#   bash styles/evaluate.sh [style ...]      (default: every styles/*.json)
set -euo pipefail
cd "$(dirname "$0")/.."

work="${WORK:-artifacts/styles}"
out=docs/default-styles
cli=(dotnet run --project samples/TinyBeauty.Cli -c Release --)

dotnet build samples/TinyBeauty.Cli -c Release >/dev/null
mkdir -p "$out"

styles=("$@")
if [ ${#styles[@]} -eq 0 ]; then
  for file in styles/*.json; do styles+=("$(basename "$file" .json)"); done
fi

for style in "${styles[@]}"; do
  "${cli[@]}" amplify render --style "styles/$style.json" --faces data/faces/held-out -o "$work/$style/held-out" \
    --size 256 --crop-scale 1.6 >/dev/null
  "${cli[@]}" evaluate --pairs "$work/$style/held-out" --style "$style" \
    --style-file "styles/$style.json" --report "$out/$style.md" --gallery "$out/$style-gallery.png"
done
