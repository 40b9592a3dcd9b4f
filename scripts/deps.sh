#!/usr/bin/env bash
# Installs every Debian 12 package Redline needs to build, test, fuzz and demo.
# The one list of packages lives here; docs/DEPENDENCIES.md says why each is used.
set -euo pipefail

PACKAGES=(
  build-essential meson ninja-build pkg-config python3
  libhyperscan-dev libjansson-dev libxml2-dev libcmocka-dev libssl-dev
  clang-14 libclang-rt-14-dev clang-format clang-tidy cppcheck
  libjemalloc-dev liburcu-dev libsystemd-dev
  libhwloc-dev hwloc
  libzip-dev libarchive-dev libmagic-dev libisal-dev libgsf-1-dev libytnef0-dev tnef openssl
  libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev libharfbuzz-dev
  libfreetype-dev libjpeg-dev zlib1g-dev
  qpdf poppler-utils
  libsqlite3-dev libmicrohttpd-dev
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
  swaks libnet-ssleay-perl libio-socket-ssl-perl
  postfix python3-aiosmtpd python3-cryptography testssl.sh
  python3-prometheus-client logrotate
  libdpdk-dev librte-net-ring23 librte-net-tap23 librte-net-af-packet23 librte-net-memif23
  iproute2 iptables ethtool strace valgrind util-linux
  debhelper lintian scdoc bash-completion man-db systemd
)

# The dataplane's own system account (SPEC.md: never a shared one such as
# nobody): redlined started as root drops to it. useradd is in passwd, which
# Debian always has.
if ! getent passwd redline >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "redline: creating the system account redline"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "Redline dataplane" redline
  else
    echo "redline: no account 'redline'; redlined started as root needs it:" >&2
    echo "redline:   useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin redline" >&2
  fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "redline: missing Debian packages: ${missing[*]}" >&2
  echo "redline: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "redline: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix is a test peer and the benchmark's reference, never the system's
# mailer: install it unconfigured (its own instances are private and
# loopback-only, see bench/compare-postfix.sh).
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
