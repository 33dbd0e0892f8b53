#!/bin/sh
# container-rootfs.sh RP DIR — stage in DIR/rootfs the files of the rp image
# (Containerfile, FROM scratch): the rp binary RP as /usr/bin/rp, the shared
# libraries it loads and their loader, busybox (Debian's busybox-static) as
# /bin/sh and the usual commands that `sh` stages call (echo, cat, grep,
# sed, ...), the CA certificates (HTTPS from the registry and http
# primitives), an /etc/passwd naming root, and an empty /tmp. The image is
# built from these files alone, so no base image has to be pulled.
set -eu
rp=${1:?usage: container-rootfs.sh RP DIR}
root=${2:?usage: container-rootfs.sh RP DIR}/rootfs
rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/work"
chmod 1777 "$root/tmp"
cp "$rp" "$root/usr/bin/rp"
busybox=$(command -v busybox) || { echo "container-rootfs.sh: busybox is not installed (busybox-static)" >&2; exit 1; }
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# each library at the path the loader looks it up at, and the loader itself
for lib in $(ldd "$rp" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
[ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'root:x:0:0:root:/work:/bin/sh' > "$root/etc/passwd"
strip "$root/usr/bin/rp" 2>/dev/null || true
