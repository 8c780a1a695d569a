#!/usr/bin/env bash
# Rebuilds the fonts in bot/render/fonts/ from Debian's font packages (one-off, not needed at run time).
# Needs: apt-get (after `apt-get update`), dpkg-deb, and `pip install fonttools` in the
# Python that runs this script (PYTHON, default: the project venv).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${PYTHON:-$HERE/../../.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
apt-get download fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
for deb in ./*.deb; do dpkg-deb -x "$deb" x; done
CORE=x/usr/share/fonts/truetype/noto
CJK=x/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

# Colour emoji: shipped unchanged with Debian's copyright file (OFL 1.1 for the font).
cp x/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf "$HERE/"
cp x/usr/share/doc/fonts-noto-color-emoji/copyright "$HERE/NotoColorEmoji-COPYRIGHT.txt"

# Lao: shipped unchanged (about 31 KB each).
cp "$CORE/NotoSansLao-Regular.ttf" "$CORE/NotoSansLao-Bold.ttf" "$HERE/"

# Latin (also Greek, Cyrillic, punctuation, currency): all characters kept, hinting dropped.
for weight in Regular Bold; do
  "$PYTHON" -m fontTools.subset "$CORE/NotoSans-$weight.ttf" --unicodes='*' \
    --layout-features='*' --no-hinting --output-file="$HERE/NotoSans-$weight.ttf"
done

# Simplified Chinese: face 2 of the CJK collection (0 is Japanese), plain OpenType/CFF: CJK
# punctuation, CJK Unified Ideographs and Extension A, compatibility ideographs, full-width forms.
# No layout features (they would pull in the Japanese/Korean/Traditional variants of every glyph)
# and no vertical metrics: the certificate is set horizontally in the font's default (SC) forms.
"$PYTHON" -m fontTools.subset "$CJK" --font-number=2 \
  --unicodes='U+3000-303F,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FF00-FFEF' \
  --layout-features='' --no-hinting --drop-tables+=vhea,vmtx,VORG \
  --output-file="$HERE/NotoSansCJKsc-Regular-subset.otf"

ls -l "$HERE"
