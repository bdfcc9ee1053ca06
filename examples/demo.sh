#!/bin/sh
# The quick start's main job (`npm start`): loads the example data into a fresh local org, queries
# it back and prints each step's summary. It never touches a real org: the Salesforce settings of
# the environment are cleared, so every command falls back to the local org under .bulkpipe/demo.
set -e
cd "$(dirname "$0")/.."
unset SF_INSTANCE_URL SF_ACCESS_TOKEN SF_LOGIN_URL SF_USERNAME SF_PASSWORD
export BULKPIPE_HOME="$PWD/.bulkpipe/demo"
rm -rf "$BULKPIPE_HOME"
out="$BULKPIPE_HOME/results"
mkdir -p "$out"
bulkpipe() { node --max-old-space-size=192 dist/bin/bulkpipe.js "$@"; }

echo "== 1. Load examples/accounts.csv into Account (a CSV job, the byte-slicing fast path)"
bulkpipe load Account examples/accounts.csv --success "$out/accounts.success.csv" --errors "$out/accounts.errors.csv"

echo "== 2. Pipe examples/contacts.ndjson into Contact through stdin, as a JSON job"
bulkpipe load Contact - --format ndjson --content-type JSON --batch-size 500 \
  --success "$out/contacts.success.csv" --errors "$out/contacts.errors.csv" < examples/contacts.ndjson

echo "== 3. Query every account back with PK chunking, rows to a file"
bulkpipe query "SELECT Id, Name, Industry, NumberOfEmployees FROM Account" --pk-chunking=1000 -o "$out/accounts.query.csv"

echo "== 4. Attach the files of examples/files to the first account (zip batches: a ZIP_CSV job)"
parent=$(sed -n 2p "$out/accounts.query.csv" | cut -d, -f1 | tr -d '"')
printf 'Name,ParentId,Body,ContentType\nnotes.txt,%s,notes.txt,text/plain\nevery-byte.bin,%s,#every-byte.bin,application/octet-stream\n' "$parent" "$parent" > "$out/attachments.csv"
bulkpipe load Attachment "$out/attachments.csv" --attachments examples/files --success "$out/attachments.success.csv" --errors "$out/attachments.errors.csv"

echo "== 5. The three largest energy companies, typed values, as NDJSON on stdout"
bulkpipe query "SELECT Name, NumberOfEmployees, BillingCity FROM Account WHERE Industry = 'Energy' ORDER BY NumberOfEmployees DESC LIMIT 3" --format ndjson

echo "== 6. The jobs this ran"
bulkpipe job list
echo "Results are in $out"
job=$(bulkpipe job list --json --limit 20 -q | node -e 'const jobs = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(jobs.find((j) => j.operation === "insert").id)')
cat <<EOF

The demo's org lives in $BULKPIPE_HOME/org.db (a SQLite file). Go on with it:
  export BULKPIPE_HOME="$BULKPIPE_HOME"
  node dist/bin/bulkpipe.js job list                                   # the jobs above
  node dist/bin/bulkpipe.js query "SELECT Name, Industry FROM Account LIMIT 5"
  node dist/bin/bulkpipe.js job results $job > results.csv   # a load's per-row results
  node dist/bin/bulkpipe.js server                                     # serve it to any Bulk API client
Without BULKPIPE_HOME, bulkpipe uses ~/.bulkpipe/org.db: another, empty org.
EOF
