#!/bin/sh
# tests/package/deb.sh -- build the Debian package from a clean copy of the
# distribution (make distdir: exactly the files of the release tarball, not
# the developer's tree) with dpkg-buildpackage -us -uc -b, then check it with
# lintian (failing on errors), look inside the .deb, and install, reinstall
# and purge it on a throw-away overlay of / (postinst's user and state
# directory, the conffile, a valid configuration).
#
# Usage, from a configured tree: sh tests/package/deb.sh
# MX6_DEB_KEEP=1 keeps the scratch directory. Exits 77 without the tools.
# Not part of make check: a package build takes minutes and rebuilds
# everything; tests/run-all runs it after make check.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0
fail=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$1"; }
not_ok() {
	fail=$((fail + 1))
	printf 'not ok - %s\n' "$1"
	[ -z "${2:-}" ] || [ ! -f "$2" ] || tail -n 40 "$2" | sed 's/^/# /'
}

for t in dpkg-buildpackage dh lintian fakeroot dpkg-deb; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "SKIP: $t is not installed (contrib/install-deps installs it)"
		exit 77
	fi
done
if [ ! -f "$top/Makefile" ]; then
	echo "SKIP: $top is not configured (run ./configure first)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mx6-deb.XXXXXX")
if [ -n "${MX6_DEB_KEEP:-}" ]; then
	trap 'echo "kept $tmp"' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi

# The distribution, unpacked as a fresh directory.
if make -C "$top" -s distdir distdir="$tmp/mx6-milter" >"$tmp/distdir.log" 2>&1; then
	ok "make distdir"
else
	not_ok "make distdir" "$tmp/distdir.log"
	echo "$pass passed, $fail failed"
	exit 1
fi
for f in debian/control debian/rules debian/changelog debian/copyright \
	debian/source/format contrib/systemd/mx6-milter.service; do
	[ -f "$tmp/mx6-milter/$f" ] || not_ok "$f is in the distribution"
done

# The version of the package is the version of configure.ac.
version=$(sed -n 's/^AC_INIT(\[mx6-milter\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
changelog=$(cd "$tmp/mx6-milter" && dpkg-parsechangelog -S Version)
if [ "$version" = "$changelog" ]; then
	ok "debian/changelog version $changelog matches configure.ac"
else
	not_ok "debian/changelog version '$changelog' matches configure.ac '$version'"
fi

# The tests need root and namespaces: nocheck (debian/rules skips them anyway).
if (cd "$tmp/mx6-milter" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b"
else
	not_ok "dpkg-buildpackage -us -uc -b" "$tmp/build.log"
	echo "$pass passed, $fail failed"
	exit 1
fi
deb=$(ls "$tmp"/mx6-milter_*.deb)
changes=$(ls "$tmp"/mx6-milter_*.changes)

# lintian: errors fail; warnings are shown.
if lintian --fail-on error --info "$changes" >"$tmp/lintian.log" 2>&1; then
	ok "lintian: no errors ($(grep -c '^W:' "$tmp/lintian.log" || true) warnings)"
else
	not_ok "lintian: no errors" "$tmp/lintian.log"
fi
sed 's/^/# /' "$tmp/lintian.log"

# What an administrator gets.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/sbin/mx6-milter /usr/bin/mx6-check /usr/bin/mx6-report \
	/etc/mx6-milter/milter.conf /lib/systemd/system/mx6-milter.service \
	/var/lib/mx6-milter/ /usr/share/man/man1/mx6-report.1.gz \
	/usr/share/man/man8/mx6-milter.8.gz /usr/share/man/man5/milter.conf.5.gz; do
	if grep -qx "$f" "$tmp/contents"; then ok "package has $f"; else not_ok "package has $f"; fi
done
dpkg-deb -e "$deb" "$tmp/control"
if grep -qx /etc/mx6-milter/milter.conf "$tmp/control/conffiles"; then
	ok "milter.conf is a conffile"
else
	not_ok "milter.conf is a conffile"
fi
if grep -q 'adduser --system --group' "$tmp/control/postinst" &&
	grep -q 'chown mx6-milter:mx6-milter /var/lib/mx6-milter' "$tmp/control/postinst"; then
	ok "postinst creates the mx6-milter user and gives it the state directory"
else
	not_ok "postinst creates the mx6-milter user and gives it the state directory"
fi
if grep -q 'deb-systemd-helper' "$tmp/control/postinst"; then
	ok "postinst enables the systemd unit"
else
	not_ok "postinst enables the systemd unit"
fi
# The unit shipped is contrib's, byte for byte (no second copy to drift).
dpkg-deb -x "$deb" "$tmp/root"
if cmp -s "$tmp/root/lib/systemd/system/mx6-milter.service" \
	"$top/contrib/systemd/mx6-milter.service"; then
	ok "the unit is contrib/systemd/mx6-milter.service"
else
	not_ok "the unit is contrib/systemd/mx6-milter.service"
fi
if "$tmp/root/usr/bin/mx6-report" </dev/null >"$tmp/report.out" 2>&1 &&
	grep -q '^IPv6 decisions: 0$' "$tmp/report.out"; then
	ok "the packaged mx6-report runs"
else
	not_ok "the packaged mx6-report runs" "$tmp/report.out"
fi

# Install, reinstall and purge for real, but on a throw-away overlay of /
# in a private mount namespace (dpkg, adduser and the files all land in a
# tmpfs that vanishes with the namespace): the system itself is never
# touched. Needs root and overlayfs; skipped (said so) otherwise.
cat >"$tmp/install.sh" <<'SCRIPT'
set -e
ov=$1/ov
mkdir -p "$ov"
mount -t tmpfs tmpfs "$ov"
mkdir -p "$ov/upper" "$ov/work" "$ov/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" "$ov/root"
mount -t proc proc "$ov/root/proc"
mount --bind /dev "$ov/root/dev"
echo "overlay: mounted"
cp "$2" "$ov/root/tmp/mx6-milter.deb"
chroot "$ov/root" sh -c '
	set -e
	dpkg -i /tmp/mx6-milter.deb
	echo "user: $(getent passwd mx6-milter | cut -d: -f1,6,7)"
	echo "state: $(stat -c "%U:%G %a" /var/lib/mx6-milter)"
	/usr/sbin/mx6-milter -n -c /etc/mx6-milter/milter.conf && echo "config: valid"
	dpkg -i /tmp/mx6-milter.deb && echo "reinstall: ok"
	dpkg --purge mx6-milter
	test ! -e /var/lib/mx6-milter && echo "purge: state removed"
	test ! -e /etc/mx6-milter/milter.conf && echo "purge: conffile removed"
'
SCRIPT
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	grep -qw overlay /proc/filesystems; then
	unshare --mount --fork sh "$tmp/install.sh" "$tmp" "$deb" >"$tmp/install.log" 2>&1 || true
fi
if ! grep -qx "overlay: mounted" "$tmp/install.log" 2>/dev/null; then
	echo "# install test skipped: needs root, unshare and an overlay mount of /"
	sed 's/^/# /' "$tmp/install.log" 2>/dev/null | tail -n 5
else
	for want in "user: mx6-milter:/nonexistent:/usr/sbin/nologin" \
		"state: mx6-milter:mx6-milter 750" "config: valid" "reinstall: ok" \
		"purge: state removed" "purge: conffile removed"; do
		if grep -qxF "$want" "$tmp/install.log"; then
			ok "install on an overlay: $want"
		else
			not_ok "install on an overlay: $want" "$tmp/install.log"
		fi
	done
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
