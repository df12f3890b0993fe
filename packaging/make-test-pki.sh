#!/bin/sh
# Generates a throw-away test PKI for the Nummervoorziening emulator and the integration tests.
#
#   make-test-pki.sh OUTDIR
#
# Creates in OUTDIR (files that already exist are kept, so running it again is harmless):
#   ca.pem ca.key                  test CA
#   server.pem server.key          server certificate for localhost and 127.0.0.1, by the test CA
#   client.pem client.key          client certificate (PEM pair), by the test CA
#   client.p12 client.p12.pass     the same client certificate and key as PKCS#12 and its password
#   client-encrypted.key           the client key as encrypted PKCS#8 PEM
#   client-encrypted.key.pass      its password
#   other-ca.pem other-ca.key      a second, unrelated CA
#   other-client.pem other-client.key  a client certificate signed by the other CA
#   other-server.pem other-server.key  a server certificate for localhost and 127.0.0.1, by the
#                                      other CA
#   wrong-host.pem wrong-host.key  a server certificate for "wrong.example", by the test CA
#   client-expired.pem             the client key certified by the test CA for January 2020 only
#   client-future.pem              the client key certified by the test CA from 2099 on
# Keys and password files are readable by the owner only. Never commit the output.
set -eu

if [ "$#" -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

out=$1
days=3650
mkdir -p "$out"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# new_key NAME: an RSA key NAME.key unless it exists.
new_key() {
  if [ ! -f "$out/$1.key" ]; then
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out/$1.key" 2>/dev/null
  fi
}

# new_ca NAME SUBJECT: a self-signed CA certificate NAME.pem unless it exists.
new_ca() {
  new_key "$1"
  if [ ! -f "$out/$1.pem" ]; then
    openssl req -x509 -new -key "$out/$1.key" -sha256 -days "$days" -subj "$2" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash" \
      -out "$out/$1.pem"
    chmod 644 "$out/$1.pem"
  fi
}

# new_leaf NAME CA SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAME]: a certificate NAME.pem
# signed by CA unless it exists.
new_leaf() {
  new_key "$1"
  if [ ! -f "$out/$1.pem" ]; then
    {
      echo "basicConstraints=critical,CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$4"
      echo "subjectKeyIdentifier=hash"
      echo "authorityKeyIdentifier=keyid"
      if [ "$#" -ge 5 ]; then echo "subjectAltName=$5"; fi
    } >"$tmp/$1.ext"
    openssl req -new -key "$out/$1.key" -subj "$3" -out "$tmp/$1.csr"
    openssl x509 -req -in "$tmp/$1.csr" -CA "$out/$2.pem" -CAkey "$out/$2.key" \
      -CAcreateserial -CAserial "$tmp/$2.srl" -sha256 -days "$days" \
      -extfile "$tmp/$1.ext" -out "$out/$1.pem" 2>/dev/null
    chmod 644 "$out/$1.pem"
  fi
}

# new_dated_leaf NAME KEY CA SUBJECT START END: a client certificate NAME.pem for KEY.key,
# signed by CA, valid from START to END (YYYYMMDDHHMMSSZ; openssl x509 takes only -days),
# unless it exists.
new_dated_leaf() {
  if [ ! -f "$out/$1.pem" ]; then
    : >"$tmp/index.txt"
    openssl rand -hex 8 >"$tmp/serial"
    cat >"$tmp/ca.cnf" <<CONF
[ca]
default_ca = dated
[dated]
database = $tmp/index.txt
new_certs_dir = $tmp
serial = $tmp/serial
policy = any
default_md = sha256
unique_subject = no
[any]
countryName = optional
organizationName = optional
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CONF
    openssl req -new -key "$out/$2.key" -subj "$4" -out "$tmp/$1.csr"
    openssl ca -batch -notext -config "$tmp/ca.cnf" -extensions leaf -cert "$out/$3.pem" \
      -keyfile "$out/$3.key" -in "$tmp/$1.csr" -startdate "$5" -enddate "$6" \
      -out "$out/$1.pem" 2>/dev/null
    chmod 644 "$out/$1.pem"
  fi
}

# new_password FILE: a random password in FILE unless it exists.
new_password() {
  if [ ! -f "$out/$1" ]; then
    openssl rand -hex 16 >"$out/$1"
  fi
}

new_ca ca "/C=NL/O=eckid test/CN=eckid test CA"
new_leaf server ca "/C=NL/O=eckid test/CN=localhost" serverAuth "DNS:localhost,IP:127.0.0.1"
new_leaf client ca "/C=NL/O=eckid test supplier/serialNumber=00000001234567890000/CN=eckid test client" \
  clientAuth
new_leaf wrong-host ca "/C=NL/O=eckid test/CN=wrong.example" serverAuth "DNS:wrong.example"

new_dated_leaf client-expired client ca "/C=NL/O=eckid test/CN=eckid expired client" \
  20200101000000Z 20200201000000Z
new_dated_leaf client-future client ca "/C=NL/O=eckid test/CN=eckid future client" \
  20990101000000Z 20991231000000Z

new_ca other-ca "/C=NL/O=eckid other/CN=eckid other CA"
new_leaf other-client other-ca "/C=NL/O=eckid other/CN=eckid other client" clientAuth
new_leaf other-server other-ca "/C=NL/O=eckid other/CN=localhost" serverAuth \
  "DNS:localhost,IP:127.0.0.1"

new_password client.p12.pass
if [ ! -f "$out/client.p12" ]; then
  openssl pkcs12 -export -in "$out/client.pem" -inkey "$out/client.key" -certfile "$out/ca.pem" \
    -name "eckid test client" -passout "file:$out/client.p12.pass" -out "$out/client.p12"
fi

new_password client-encrypted.key.pass
if [ ! -f "$out/client-encrypted.key" ]; then
  openssl pkey -in "$out/client.key" -aes-256-cbc -passout "file:$out/client-encrypted.key.pass" \
    -out "$out/client-encrypted.key"
fi
