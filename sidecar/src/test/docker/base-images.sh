#!/usr/bin/env bash
# Makes stand-ins for the public base images the Dockerfile names, for machines that cannot reach a
# registry (CI and the dev machines here). Each tag is made only when the engine lacks it, so a real
# pulled eclipse-temurin image is never replaced.
#
#   eclipse-temurin:25-jdk  Debian bookworm (debootstrap minbase + CA certificates) + this machine's JDK 25
#   eclipse-temurin:25-jre  the same rootfs + a jlink'ed runtime of that JDK (no compiler, no tools)
#
# Both put Java at /opt/java/openjdk with JAVA_HOME and PATH set, as the real images do. The real
# images are Ubuntu noble; the Dockerfile only uses apt package names that exist in both.
# Both also trust this machine's locally added CAs (/usr/local/share/ca-certificates; a network that
# inspects TLS needs them for the build's Maven and apt downloads). A stand-in is labelled with a
# fingerprint of the JDK and those CAs and made again when either changes.
# The debootstrapped rootfs is cached as a tarball (SIGCAR_CACHE, default ~/.cache/sigcar), so a
# machine whose engine was wiped rebuilds the images without the network.
#
# Usage: base-images.sh [JDK_HOME]   (default: $JAVA_HOME, then /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail

JDK="${1:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}"
CACHE="${SIGCAR_CACHE:-$HOME/.cache/sigcar}"
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# What eclipse-temurin adds to ubuntu:24.04 (less fonts and locales): CA certificates (which bring
# OpenSSL 3's libcrypto.so.3, which libsigcar links) and time zones.
INCLUDE=ca-certificates,p11-kit,tzdata
ROOTFS_TAR="$CACHE/debian-$SUITE-minbase-${INCLUDE//,/-}.tar"
JDK_TAG=eclipse-temurin:25-jdk
JRE_TAG=eclipse-temurin:25-jre

log() { printf 'base-images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }
# have TAG: a real image, or a stand-in made from this JDK and these CAs.
have() {
  exists "$1" || return 1
  local label
  label="$(docker image inspect -f '{{index .Config.Labels "io.sigcar.stand-in"}}' "$1" 2>/dev/null || true)"
  [[ -z "$label" || "$label" == "$FINGERPRINT" ]]
}

docker info >/dev/null 2>&1 || die "no Docker engine reachable; run .ci/setup (it starts dockerd)"
[[ -x "$JDK/bin/java" ]] || die "no JDK at $JDK (set JAVA_HOME to a JDK 25)"
"$JDK/bin/java" -version 2>&1 | grep -q 'version "25' || die "$JDK is not a JDK 25"

LOCAL_CAS=(/usr/local/share/ca-certificates/*.crt)
[[ -e "${LOCAL_CAS[0]}" ]] || LOCAL_CAS=()
FINGERPRINT="$( { cat "$JDK/release"; cat "$0"; ((${#LOCAL_CAS[@]})) && cat "${LOCAL_CAS[@]}"; } | sha256sum | cut -c1-16)"

mkdir -p "$CACHE"
# Several test runs (or engineers) may share one engine: one maker at a time.
exec 9>"$CACHE/base-images.lock"
flock -w 900 9 || die "timed out waiting for $CACHE/base-images.lock"

if have "$JDK_TAG" && have "$JRE_TAG"; then
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/sigcar-base.XXXXXX")"
cleanup() {
  # debootstrap mounts proc/sys inside the rootfs; never rm -rf through a live mount.
  for m in proc sys dev/pts dev; do
    mountpoint -q "$work/rootfs/$m" 2>/dev/null && umount -l "$work/rootfs/$m"
  done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

if [[ ! -s "$ROOTFS_TAR" ]]; then
  command -v debootstrap >/dev/null || die "debootstrap is missing; run .ci/setup"
  log "debootstrap $SUITE (minbase) from $MIRROR, cached as $ROOTFS_TAR"
  debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  cat >"$work/rootfs/etc/apt/sources.list" <<LIST
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
LIST
  chroot "$work/rootfs" apt-get clean
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/"*.bin
  tar -C "$work/rootfs" --numeric-owner --one-file-system -cf "$ROOTFS_TAR.part" .
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf "$work/rootfs"
fi

# import TAG JAVA_DIR: the cached rootfs plus JAVA_DIR at /opt/java/openjdk, as image TAG.
import() {
  local tag="$1" java="$2" img="$work/img"
  rm -rf --one-file-system "$img"
  mkdir -p "$img"
  tar -C "$img" --numeric-owner -xf "$ROOTFS_TAR"
  mkdir -p "$img/opt/java"
  # -L: a packaged JDK's lib/security/cacerts is a symlink into /etc, which the image lacks.
  cp -aL "$java" "$img/opt/java/openjdk"
  if ((${#LOCAL_CAS[@]})); then
    cp "${LOCAL_CAS[@]}" "$img/usr/local/share/ca-certificates/"
    chroot "$img" update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed in the rootfs"
  fi
  if exists "$tag"; then
    docker rmi "$tag" >/dev/null  # an outdated stand-in of ours (have() never lets a real image here)
  fi
  tar -C "$img" --numeric-owner -cf - . | docker import \
    --change "LABEL io.sigcar.stand-in=$FINGERPRINT" \
    --change 'ENV JAVA_HOME=/opt/java/openjdk' \
    --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8 LC_ALL=C.UTF-8' \
    --change 'CMD ["jshell"]' \
    --message "sigcar stand-in for $tag (Debian $SUITE + $("$java/bin/java" -version 2>&1 | sed -n 2p))" \
    - "$tag" >/dev/null
  rm -rf --one-file-system "$img"
  log "made $tag"
}

if ! have "$JDK_TAG"; then
  import "$JDK_TAG" "$JDK"
fi
if ! have "$JRE_TAG"; then
  # What Temurin's JRE has: the platform and jdk.* runtime modules, without javac, jshell, jlink & co.
  mods="$("$JDK/bin/java" --list-modules | sed 's/@.*//' \
    | grep -v -E '^jdk\.(jshell|compiler|javadoc|jdeps|jlink|jpackage|hotspot\.agent|jstatd|jartool|editpad|jconsole|jcmd|jdi|jdwp\.agent|internal\.(ed|jvmstat|le|opt))$' \
    | paste -sd, -)"
  log "jlink a JRE from $JDK"
  "$JDK/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$work/jre" 2>&1 | grep -v 'incubator modules' >&2 || true
  [[ -x "$work/jre/bin/java" ]] || die "jlink failed"
  import "$JRE_TAG" "$work/jre"
fi
