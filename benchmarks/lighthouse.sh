#!/bin/sh
# Lighthouse 12 (mobile preset) on the report form, signed in as a tester; prints the scores.
#
#   npm ci                       # once: lighthouse@12 and axe-core from package-lock.json
#   benchmarks/lighthouse.sh     # needs Debian's chromium at /usr/bin/chromium (or CHROME_PATH)
#
# Goal: performance, accessibility and best practices all 1.00. The full report is
# written to ${LIGHTHOUSE_OUT:-.cache/lighthouse}/report-form.report.{html,json}.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
LIGHTHOUSE=node_modules/.bin/lighthouse
OUT=${LIGHTHOUSE_OUT:-.cache/lighthouse}
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
[ -x "$LIGHTHOUSE" ] || { echo "lighthouse is not installed: run npm ci" >&2; exit 2; }
[ -x "$CHROME_PATH" ] || { echo "no Chromium at $CHROME_PATH: apt-get install chromium" >&2; exit 2; }

TMP=$(mktemp -d)
export XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"
mkdir -p "$OUT"
"$PYTHON" benchmarks/live_app.py >"$TMP/live" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
i=0
until [ -s "$TMP/live" ]; do
  i=$((i + 1)); [ $i -le 100 ] || { echo "the app did not start" >&2; exit 1; }
  sleep 0.1
done
read -r URL FORM COOKIE <"$TMP/live"

"$LIGHTHOUSE" "$URL$FORM" \
  --quiet \
  --only-categories=performance,accessibility,best-practices \
  --extra-headers="{\"Cookie\": \"$COOKIE\"}" \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
  --output=json --output=html --output-path="$OUT/report-form" >/dev/null

node -e '
const report = require(process.argv[1]);
const goals = { performance: 1, accessibility: 1, "best-practices": 1 };
let ok = true;
for (const [id, category] of Object.entries(report.categories)) {
  const met = category.score >= goals[id];
  ok = ok && met;
  console.log(`${category.title.padEnd(16)} ${category.score.toFixed(2)}  (goal ${goals[id].toFixed(2)})${met ? "" : "  MISSED"}`);
}
for (const category of Object.values(report.categories)) {
  for (const ref of category.auditRefs) {
    const audit = report.audits[ref.id];
    if (ref.weight > 0 && audit.score !== null && audit.score < 1) console.log(`  ${category.title}: ${audit.id} ${audit.score} ${audit.displayValue || ""}`);
  }
}
const m = report.audits;
console.log(`FCP ${m["first-contentful-paint"].displayValue}, LCP ${m["largest-contentful-paint"].displayValue}, TBT ${m["total-blocking-time"].displayValue}, CLS ${m["cumulative-layout-shift"].displayValue}`);
process.exit(ok ? 0 : 1);
' "$(pwd)/$OUT/report-form.report.json"
