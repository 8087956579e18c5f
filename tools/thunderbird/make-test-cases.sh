#!/bin/bash
# Build a throw-away PKI and a set of S/MIME-signed test messages for verdict.py.
# usage: make-test-cases.sh OUTDIR      (needs only openssl + coreutils)
set -euo pipefail
OUT=${1:?usage: make-test-cases.sh OUTDIR}
mkdir -p "$OUT"; cd "$OUT"

ca() {  # ca NAME "CN"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 \
    -subj "/O=Test/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {  # leaf NAME CA EMAIL KEYSPEC...
  local n=$1 c=$2 e=$3; shift 3
  openssl req -new -newkey "$@" -nodes -keyout "$n.key" -out "$n.csr" -subj "/O=Test/CN=$e" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:%s\n' "$e" > "$n.ext"
  openssl x509 -req -in "$n.csr" -CA "$c.pem" -CAkey "$c.key" -CAcreateserial -days 825 \
    -extfile "$n.ext" -out "$n.pem" 2>/dev/null
  rm -f "$n.csr" "$n.ext"
}
ca root "Test Root CA"
ca other "Untrusted Other Root CA"
leaf billing root billing@shop.example rsa:2048
leaf billing-ec root billing@shop.example ec -pkeyopt ec_paramgen_curve:P-256
leaf billing-other other billing@shop.example rsa:2048

body_plain() { printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\nHello from the shop.\nThis is test message %s.\n' "$1"; }
body_big() {
  local b=big-boundary-1
  printf 'Content-Type: multipart/mixed; boundary="%s"\n\n--%s\nContent-Type: text/plain; charset=utf-8\n\nInvoice attached.\n\n--%s\nContent-Type: application/octet-stream; name="blob.bin"\nContent-Disposition: attachment; filename="blob.bin"\nContent-Transfer-Encoding: base64\n\n' $b $b $b
  head -c 5000000 /dev/urandom | base64 -w 76
  printf '\n--%s--\n' $b
}
# sign NAME SIGNER FROM DATE(or "") BODYFUNC [extra openssl args]
sign() {
  local name=$1 signer=$2 from=$3 date=$4 bodyf=$5; shift 5
  $bodyf "$name" > "$name.inner"
  {
    [ -n "$date" ] && printf 'Date: %s\n' "$date"
    printf 'Message-ID: <%s.%s@shop.example>\n' "$name" "$(date +%s%N)"
    openssl cms -sign -md sha256 -in "$name.inner" -signer "$signer.pem" -inkey "$signer.key" \
      -from "$from" -to "customer@example.org" -subject "Test $name" "$@"
  } > "$name.eml"
  rm -f "$name.inner"
}
NOW=$(LC_ALL=C date -R)
OLD=$(LC_ALL=C date -R -d '3 days ago')
sign a-now          billing       billing@shop.example "$NOW" body_plain
sign b-3days        billing       billing@shop.example "$OLD" body_plain
sign c-nodate       billing       billing@shop.example ""     body_plain
sign d-noattr-3days billing       billing@shop.example "$OLD" body_plain -noattr
sign e-from-mismatch billing      sales@shop.example   "$NOW" body_plain
sign f-ec-p256      billing-ec    billing@shop.example "$NOW" body_plain
sign g-5mb          billing       billing@shop.example "$NOW" body_big
sign h-untrusted    billing-other billing@shop.example "$NOW" body_plain
sign l-59min-early   billing       billing@shop.example "$(LC_ALL=C date -R -d '59 minutes ago')" body_plain
sign m-61min-early   billing       billing@shop.example "$(LC_ALL=C date -R -d '61 minutes ago')" body_plain
sign n-59min-late    billing       billing@shop.example "$(LC_ALL=C date -R -d '59 minutes')" body_plain
sign o-61min-late    billing       billing@shop.example "$(LC_ALL=C date -R -d '61 minutes')" body_plain
sign i-2min-skew    billing       billing@shop.example "$(LC_ALL=C date -R -d '2 minutes ago')" body_plain
# j: not signed at all; k: signed, then the body was altered in transit
{ printf 'Date: %s\nMessage-ID: <j.%s@shop.example>\nFrom: billing@shop.example\nTo: customer@example.org\nSubject: Test j-unsigned\nMIME-Version: 1.0\n' "$NOW" "$(date +%s%N)"; body_plain j-unsigned; } > j-unsigned.eml
sed 's/^This is test message a-now\./This is test message a-now, altered./' a-now.eml > k-tampered.eml
ls -la "$OUT"
