#!/usr/bin/env bash
# Installs every Debian 12 package eckid needs to build, test and benchmark.
# Used by the README's first command and by .ci/run. Idempotent; needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format git
  openssl libssl-dev              # TLS, PBKDF2, reference scrypt, test PKI
  libcurl4-openssl-dev            # HTTP client
  libtomlplusplus-dev             # configuration
  libpugixml-dev                  # SOAP XML
  libsqlite3-dev                  # local state
  libpq-dev                       # state on PostgreSQL ([state] url; its tests: postgresql-15 below)
  libboost-dev libboost-filesystem-dev libboost-system-dev  # Boost.DLL, Asio/Beast
  catch2                          # unit tests (2.13)
  libbenchmark-dev libsodium-dev  # benchmarks (libsodium as a comparison)
  libcli11-dev                    # administrator's command-line tool
  php8.2-cli php8.2-sqlite3 python3  # SIS adapter tests (PHP FFI; SQLite for the RosarioSIS stand-in)
  flit                            # the Frappe app's build backend (flit_core; tests/bundles)
  apache2 libapache2-mod-php8.2 postgresql-15 php8.2-pgsql php8.2-intl php8.2-mbstring
  php8.2-gd php8.2-curl php8.2-xml php8.2-zip  # the real RosarioSIS (tests/adapters/hosts/rosariosis/real)
  chromium fonts-dejavu-core       # screenshots of the real host's pages for the adapters' READMEs
  # the real Odoo 17 + OpenEduCat (tests/adapters/hosts/openeducat/real; ../shared/hosts/README.md)
  python3-babel python3-chardet python3-cryptography python3-dateutil python3-decorator
  python3-docutils python3-freezegun python3-geoip2 python3-gevent python3-greenlet python3-idna
  python3-jinja2 python3-libsass python3-lxml python3-markupsafe python3-num2words
  python3-ofxparse python3-openssl python3-passlib python3-pil python3-polib python3-psutil
  python3-psycopg2 python3-pydot python3-pypdf2 python3-qrcode python3-renderpm
  python3-reportlab python3-requests python3-rjsmin python3-serial python3-stdnum python3-tz
  python3-urllib3 python3-usb python3-vobject python3-werkzeug python3-xlrd python3-xlsxwriter
  python3-xlwt python3-zeep python3-ldap postgresql-client fonts-inconsolata fonts-font-awesome
  fonts-roboto-unhinted gsfonts libjs-underscore
  clang libclang-rt-14-dev        # fuzz targets (tests/fuzz: clang 14, libFuzzer, ASan+UBSan)
  debhelper devscripts lintian dh-python pybuild-plugin-pyproject python3-setuptools
                                  # Debian packages (packaging/build-packages.sh)
  mmdebstrap                      # a clean Debian 12 root to install them in (tests/packages)
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
