#!/usr/bin/env bash
# Builds the base image the service images are built on (Jib: from.image = tar://...), from what the build machines
# reach (Debian's packages and the JDK here; no registry): a minimal Debian root file system made with debootstrap
# (bookworm, minbase, plus curl for docker-compose's health checks and ca-certificates) and a JRE made with jlink
# from the JDK that builds Switchboard. The tar is in `docker save` form (manifest.json, config, one tar per layer),
# which Jib reads as a base image. Real CI may name a registry's JRE image instead (-Dswitchboard.base.image=...).
#
# Usage: deploy/images/base-image.sh [OUT_DIR]      (default: target/base-image; needs root for debootstrap)
# Prints the tar's path on its last line. Kept between runs: rebuilt when this script or the JDK changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/target/base-image}"
SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What the four services need of the JDK (jdeps over their classpaths, plus what they load by name: DNS lookups of
# Hazelcast's Kubernetes discovery, JFR, management beans); java.se because the images pass --add-modules java.se.
MODULES=java.se,java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http,\
java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.charsets,jdk.crypto.ec,jdk.jfr,\
jdk.management,jdk.management.jfr,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs

say() { printf 'base-image: %s\n' "$*" >&2; }
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jlink" ] || { say "JAVA_HOME must name a JDK with jlink"; exit 2; }
java_version="$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.runtime.version = //p')"
key="$(cat "$0" | sha256sum | cut -c1-16)-$java_version"
tarball="$OUT/switchboard-base.tar"
if [ -f "$tarball" ] && [ "$(cat "$OUT/key" 2>/dev/null)" = "$key" ]; then
  say "up to date: Debian $SUITE minbase + jlink JRE $java_version"
  echo "$tarball"; exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { say "debootstrap is needed (apt-get install debootstrap), as root"; exit 2; }
  say "installing debootstrap (apt-get install debootstrap)"
  mkdir -p "$OUT"
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; } >"$OUT/apt.log" 2>&1 \
    || { say "could not install debootstrap; see $OUT/apt.log"; exit 1; }
fi
[ "$(id -u)" = 0 ] || { say "debootstrap needs root (or run this under fakeroot fakechroot)"; exit 2; }

work="$OUT/work"
rm -rf "$work"; mkdir -p "$work/layers"
say "debootstrap $SUITE (minbase + curl, ca-certificates) from $MIRROR"
debootstrap --variant=minbase --include=curl,ca-certificates "$SUITE" "$work/rootfs" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 \
  || { say "debootstrap failed; see $OUT/debootstrap.log"; exit 1; }
# The user the services run as (images say USER 10001): a name, and no home or shell.
echo "switchboard:x:10001:10001:Switchboard:/nonexistent:/usr/sbin/nologin" >>"$work/rootfs/etc/passwd"
echo "switchboard:x:10001:" >>"$work/rootfs/etc/group"
# Nothing a running service needs: package caches and lists, documentation, manuals, locales.
rm -rf "$work/rootfs"/var/cache/apt/* "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/usr/share/doc/* \
  "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/locale/* "$work/rootfs"/var/log/* "$work/rootfs"/dev/*
say "jlink: a JRE of $java_version with $(echo "$MODULES" | tr ',' '\n' | wc -l) modules"
mkdir -p "$work/jre/opt"
"$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --output "$work/jre/opt/java"

# One layer per part, with fixed times and owners, so that the same inputs give the same bytes.
layer() { # dir name
  tar --sort=name --mtime='2026-01-01 00:00Z' --owner=0 --group=0 --numeric-owner -C "$1" -cf "$work/layers/$2.tar" .
  sha256sum "$work/layers/$2.tar" | cut -d' ' -f1
}
rootfs_sha="$(layer "$work/rootfs" rootfs)"
jre_sha="$(layer "$work/jre" jre)"
cat >"$work/layers/config.json" <<JSON
{"architecture":"amd64","os":"linux",
 "config":{"Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],
   "Labels":{"io.switchboard.base":"debian-$SUITE-minbase+jlink-$java_version"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$rootfs_sha","sha256:$jre_sha"]},
 "history":[{"created_by":"debootstrap --variant=minbase --include=curl,ca-certificates $SUITE"},{"created_by":"jlink $java_version"}]}
JSON
cat >"$work/layers/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["switchboard/base:$SUITE-jre$java_version"],"Layers":["rootfs.tar","jre.tar"]}]
JSON
tar --sort=name --mtime='2026-01-01 00:00Z' --owner=0 --group=0 --numeric-owner -C "$work/layers" -cf "$tarball.tmp" \
  manifest.json config.json rootfs.tar jre.tar
mv "$tarball.tmp" "$tarball"
echo "$key" >"$OUT/key"
rm -rf "$work"
say "built $tarball ($(du -h "$tarball" | cut -f1)): Debian $SUITE minbase + jlink JRE $java_version"
echo "$tarball"
