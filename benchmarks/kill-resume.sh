#!/bin/bash
# Issue 11's own scenario: an N-row Account CSV (default 1,000,000: 100 batches) into the local org on
# a file, in the CLI's own process; kill -9 once the ledger holds K created batches (default 40), then
# `bulkpipe load --resume`; prints the outputs' and the org's counts (each must be N, each row once).
# Usage: npm run build && benchmarks/kill-resume.sh [N] [K]
set -u
N=${1:-1000000}; K=${2:-40}
CLI="$(cd "$(dirname "$0")/.." && pwd)/dist/bin/bulkpipe.js"
W=$(mktemp -d /tmp/bulkpipe-kill-resume-XXXXXX); trap 'rm -rf "$W"' EXIT; cd "$W"
export BULKPIPE_HOME=$W/home
node -e "const n=+process.argv[1];let s='Name,NumberOfEmployees,Phone\n';for(let i=0;i<n;i++)s+='Bench '+i+','+(i%5000)+',555-'+String(i%10000).padStart(4,'0')+'\n';require('fs').writeFileSync('in.csv',s)" "$N"
node "$CLI" load Account in.csv --success ok.csv --errors bad.csv --quiet 2>/dev/null &
pid=$!
until [ "$(cat "$BULKPIPE_HOME"/runs/*/ledger.ndjson 2>/dev/null | grep -c '"type":"batch"')" -ge "$K" ]; do sleep 0.05; done
kill -9 $pid; wait $pid 2>/dev/null
ledger=$(cat "$BULKPIPE_HOME"/runs/*/ledger.ndjson)
echo "killed with $(grep -c '"type":"batch"' <<<"$ledger") batches created, $(grep -c '"type":"joined"' <<<"$ledger") joined; spool $(du -sh "$BULKPIPE_HOME"/runs/*/spool | cut -f1)"
/usr/bin/time -f "resume: %e s wall, %U+%S s CPU" node "$CLI" load --resume --quiet 2>&1 | grep -v "no Salesforce connection"
echo "resume exit: ${PIPESTATUS[0]}"
node "$CLI" query "SELECT Name FROM Account" -o q.csv --quiet 2>/dev/null
echo "outputs: $(($(wc -l < ok.csv)-1)) success + $(($(wc -l < bad.csv)-1)) errors, $(tail -n +2 ok.csv | awk -F, '{print $NF}' | sort -u | wc -l) distinct success rows; org: $(($(wc -l < q.csv)-1)) records, $(tail -n +2 q.csv | sort -u | wc -l) distinct; run folders left: $(ls "$BULKPIPE_HOME"/runs | wc -l)"
