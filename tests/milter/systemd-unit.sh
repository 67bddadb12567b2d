#!/bin/sh
# systemd-unit.sh -- contrib/systemd/mx6-milter.service is a valid,
# sandboxed unit: "systemd-analyze verify" accepts it (with ExecStart
# pointed at the built daemon, man pages not looked up), it keeps the
# sandboxing directives mx6-milter(8) SECURITY describes, and
# "systemd-analyze security" rates its exposure at most 3.0 ("OK").
# Skipped where systemd-analyze is not installed.
. "$(dirname "$0")/lib.sh"

t_begin "contrib/systemd/mx6-milter.service: verify, sandboxing, exposure"
command -v systemd-analyze >/dev/null 2>&1 || t_skip "systemd-analyze is not installed"
UNIT=$t_top_srcdir/contrib/systemd/mx6-milter.service
sed "s|^ExecStart=/usr/sbin/mx6-milter|ExecStart=$MX6_MILTER|" "$UNIT" >"$T_DIR/mx6-milter.service"

if systemd-analyze verify --man=no "$T_DIR/mx6-milter.service" >"$T_DIR/verify.out" 2>&1; then
	t_ok "systemd-analyze verify accepts the unit"
else
	sed 's/^/  ! /' "$T_DIR/verify.out"
	t_notok "systemd-analyze verify accepts the unit"
fi
t_check "verify says nothing" [ ! -s "$T_DIR/verify.out" ]

for d in 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'NoNewPrivileges=yes' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' \
	'CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_CHOWN CAP_FOWNER CAP_DAC_READ_SEARCH' \
	'SystemCallFilter=@system-service' 'RuntimeDirectory=mx6-milter' \
	'StateDirectory=mx6-milter' 'ExecReload=/bin/kill -HUP $MAINPID'; do
	t_check "has $d" grep -Fxq -- "$d" "$UNIT"
done
t_check "no User= (the daemon switches itself, after opening its socket)" \
	sh -c '! grep -q "^User=" "$1"' sh "$UNIT"

if systemd-analyze security --offline=true "$T_DIR/mx6-milter.service" >"$T_DIR/security.out" 2>&1; then
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T_DIR/security.out")
	t_say "# systemd-analyze security: exposure $level"
	t_check "exposure level at most 3.0 (got ${level:-none})" \
		awk -v l="$level" 'BEGIN { exit !(l != "" && l + 0 <= 3.0) }'
else
	t_say "# systemd-analyze security --offline is not supported here"
fi
t_done
