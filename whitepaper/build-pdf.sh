#!/usr/bin/env bash
# The whole whitepaper as one PDF: the Markdown files joined in reading
# order, pandoc to one standalone HTML page (images embedded), then headless
# Chromium prints it. LaTeX would do better typesetting but is a
# gigabyte-sized install; pandoc and chromium are Debian packages already
# used here.
#
#   whitepaper/build-pdf.sh OUT   writes OUT/numledger-whitepaper.{html,pdf};
#                                 includes OUT/figures.md (after the paper) when reproduce.sh made it
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mkdir -p "${1:?usage: build-pdf.sh OUT}" && cd "$1" && pwd)

# Reading order: the paper, then the detailed sections.
DOCS=(README related-work results ledger continuity governance consensus network
      institutional-data security operations encoding)
for extra in study-replay study-roa-to-router; do  # issue 18, items 1 and 2, when merged
  [[ -f "$HERE/$extra.md" ]] && DOCS+=("$extra")
done

joined="$OUT/whitepaper-joined.md"
: >"$joined"
for d in "${DOCS[@]}"; do
  [[ -f "$HERE/$d.md" ]] || continue
  # An anchor per file, so that links between the files still work in one page.
  printf '\n\n<div class="doc" id="doc-%s"></div>\n\n' "$d" >>"$joined"
  cat "$HERE/$d.md" >>"$joined"
  # The figures right after the paper, whose evaluation they illustrate.
  if [[ $d == README && -f "$OUT/figures.md" ]]; then
    printf '\n\n<div class="doc" id="doc-figures"></div>\n\n' >>"$joined"
    cat "$OUT/figures.md" >>"$joined"
  fi
done
# [text](ledger.md#x) -> [text](#x); [text](ledger.md) -> [text](#doc-ledger).
sed -i -E 's/\]\(([a-z-]+)\.md#([^)]*)\)/](#\2)/g; s/\]\(([a-z-]+)\.md\)/](#doc-\1)/g' "$joined"

html="$OUT/numledger-whitepaper.html"
pdf="$OUT/numledger-whitepaper.pdf"
# --self-contained embeds the figures (pandoc 2.17; newer ones call it --embed-resources).
pandoc "$joined" --from gfm+tex_math_dollars --to html5 --standalone --self-contained \
  --resource-path="$OUT:$HERE" --toc --toc-depth=1 \
  --metadata title="numledger: a decentralized registry of Internet number resources" \
  --css "$HERE/pdf.css" -o "$html"
/usr/bin/chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
  --run-all-compositor-stages-before-draw --print-to-pdf="$pdf" "file://$html" 2>/dev/null
[[ -s "$pdf" ]] || { echo "build-pdf: chromium wrote no PDF" >&2; exit 1; }
echo "$pdf ($(du -k "$pdf" | cut -f1) KiB)"
