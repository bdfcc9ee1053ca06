#!/bin/sh
# Bad input, tried as a new user would: 25,000 good rows, one bad item at record 25,001, then 100
# good rows, in each format, loaded into a fresh local org. Prints, per case: the exit code, the
# rows in the success and error files, and the bad record's error. Every case should read
# "25100 ok, 1 error", the error naming the file, line, record and field.
# Usage: sh examples/bad-input.sh   (after npm run build)
set -u
cd "$(dirname "$0")/.."
unset SF_INSTANCE_URL SF_ACCESS_TOKEN SF_LOGIN_URL SF_USERNAME SF_PASSWORD
export BULKPIPE_HOME="${TMPDIR:-/tmp}/bulkpipe-bad-input-$$"
dir="$BULKPIPE_HOME/in"
mkdir -p "$dir"
good_csv() { seq "$1" "$2" | awk '{ printf "Name %d,555-%04d\n", $1, $1 % 10000 }'; }
good_ndjson() { seq "$1" "$2" | awk '{ printf "{\"Name\":\"Name %d\",\"Phone\":\"555-%04d\"}\n", $1, $1 % 10000 }'; }
csv_case() { { echo 'Name,Phone'; good_csv 1 25000; printf '%s\n' "$2"; good_csv 25002 25101; } > "$dir/$1.csv"; }
ndjson_case() { { good_ndjson 1 25000; printf '%s\n' "$2"; good_ndjson 25002 25101; } > "$dir/$1.ndjson"; }
json_case() { { echo '['; good_ndjson 1 25000 | sed 's/$/,/'; printf '%s,\n' "$2"; good_ndjson 25002 25101 | sed '$!s/$/,/'; echo ']'; } > "$dir/$1.json"; }
xml_case() { { echo '<sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload">'; good_ndjson 1 25000 | sed 's/{"Name":"\([^"]*\)","Phone":"\([^"]*\)"}/<sObject><Name>\1<\/Name><Phone>\2<\/Phone><\/sObject>/'; printf '%s\n' "$2"; good_ndjson 25002 25101 | sed 's/{"Name":"\([^"]*\)","Phone":"\([^"]*\)"}/<sObject><Name>\1<\/Name><Phone>\2<\/Phone><\/sObject>/'; echo '</sObjects>'; } > "$dir/$1.xml"; }

csv_case fields-more 'Too,many,fields'
csv_case fields-fewer 'Alone'
csv_case whitespace '   '
csv_case text-after-quote '"a"x,1'
csv_case stray-quote 'O"Brien,1'
csv_case field-too-long "$(head -c 32001 /dev/zero | tr '\0' x),1"
csv_case record-too-large "$(head -c 5000000 /dev/zero | tr '\0' x),1"
csv_case invalid-utf8 "$(printf 'Caf\351,1')"
ndjson_case ndjson-malformed '{"Name":'
ndjson_case ndjson-duplicate-key '{"Name":"a","Name":"b"}'
ndjson_case ndjson-record-too-large "{\"Name\":\"$(head -c 5000000 /dev/zero | tr '\0' x)\"}"
json_case json-unclosed-string '{"Name":"unclosed}'
json_case json-duplicate-key '{"Name":"a","Name":"b"}'
xml_case xml-broken-tag '<sObject><Name>a</Nmae></sObject>'
xml_case xml-duplicate-field '<sObject><Name>a</Name><Name>b</Name></sObject>'

for f in "$dir"/*; do
  name=$(basename "$f")
  node dist/bin/bulkpipe.js load Account "$f" --quiet --success "$dir/../$name.ok.csv" --errors "$dir/../$name.err.csv" > /dev/null 2> "$dir/../$name.stderr"
  code=$?
  ok=$(($(wc -l < "$dir/../$name.ok.csv") - 1))
  err=$(($(wc -l < "$dir/../$name.err.csv") - 1))
  why=$(tail -n 1 "$dir/../$name.err.csv" | grep -o 'BULKPIPE_[A-Z_0-9]*:[^(]*([^)]*)\|STRING_TOO_LONG:[^(]*([^)]*)' | head -n 1)
  printf '%-28s exit %s  %5s ok, %s error  %s\n' "$name" "$code" "$ok" "$err" "$why"
done
for name in empty.csv empty.ndjson empty.json empty.xml; do
  : > "$dir/$name"
  node dist/bin/bulkpipe.js load Account "$dir/$name" --json 2>/dev/null | sed "s/^/$name: /" | cut -c1-100
done
rm -rf "$BULKPIPE_HOME"
