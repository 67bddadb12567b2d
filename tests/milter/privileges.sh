#!/bin/sh
# privileges.sh -- mx6-milter(8) PRIVILEGES, checked on the running daemon.
#
# Started as root with "user = nobody", learn = yes and an LMDB state in a
# directory whose parent does not exist yet:
# - /proc/PID/status: real, effective, saved and file-system uid and gid
#   are nobody's, and there are no supplementary groups;
# - the socket has mode socket_mode (0660) and belongs to nobody and its
#   primary group;
# - the state's parent and directory were created 0750, the LMDB files
#   0600, all belonging to nobody;
# - a state left behind by root (owner root, loose modes) is given back to
#   nobody with 0750/0600 at the next start, and the daemon serves mail.
# With "user = root" written explicitly the daemon runs as root. Without a
# user line the default user mx6-milter is used: where it does not exist,
# the daemon refuses to start rather than stay root; where it does, it
# runs as that user, never as root.
#
# Needs root (skipped otherwise) and the user nobody.
. "$(dirname "$0")/lib.sh"

t_begin "privileges: uid/gid/groups after the drop, socket and state owners and modes"

[ "$(id -u)" = 0 ] || t_skip "needs root to start the daemon as root"
RUN_USER=nobody
getent passwd "$RUN_USER" >/dev/null || t_skip "no user $RUN_USER"
RUN_UID=$(id -u "$RUN_USER")
RUN_GID=$(id -g "$RUN_USER")
RUN_GROUP=$(id -gn "$RUN_USER")

# The daemon reads its configuration again after the drop: let it in.
chmod 0755 "$T_DIR"
STATE=$T_DIR/var/state

# conf USER-LINE: the base configuration with USER-LINE ("" for none).
conf() {
	{
		t_base_conf | grep -v '^user = '
		[ -n "$1" ] && printf '%s\n' "$1"
		echo "learn = yes"
		echo "state = lmdb:$STATE"
		echo "socket_mode = 0660"
	} >"$T_DIR/milter.conf"
	chmod 0644 "$T_DIR/milter.conf" "$T_DIR/offline.conf"
}

# status_field NAME: the values of NAME: in the daemon's /proc status.
status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$T_PID/status" | tr -s ' \t' ' ' | sed 's/ *$//'
}

# owner_mode PATH: "MODE USER GROUP" (octal mode without file type).
owner_mode() {
	stat -c '%a %U %G' "$1" 2>/dev/null || echo missing
}

want() {
	if [ "$2" = "$3" ]; then t_ok "$1: $3"; else t_notok "$1: want '$3', got '$2'"; fi
}

serves_mail() {
	t_msg -q "Q$1" 2001:db8::66 | t_session "$1"
	# learn = yes: the history could help, so the verdict comes at the end.
	t_line "eom: reply" "$1: an IPv6 message is decided (deferred at end of message)"
}

# ------------------------------------------------------------ user = nobody
t_section "started as root, user = $RUN_USER"
conf "user = $RUN_USER"
# The scratch directory's parents (TMPDIR) must let the run user through.
if command -v runuser >/dev/null 2>&1 &&
	! runuser -u "$RUN_USER" -- test -r "$T_DIR/milter.conf"; then
	t_skip "$RUN_USER cannot read $T_DIR/milter.conf (set TMPDIR to a directory others can traverse)"
fi
t_start "$T_DIR/milter.conf"
want "Uid (real, effective, saved, fs)" "$(status_field Uid)" "$RUN_UID $RUN_UID $RUN_UID $RUN_UID"
want "Gid (real, effective, saved, fs)" "$(status_field Gid)" "$RUN_GID $RUN_GID $RUN_GID $RUN_GID"
want "supplementary groups" "$(status_field Groups)" ""
want "socket" "$(owner_mode "$T_SOCK")" "660 $RUN_USER $RUN_GROUP"
t_check "socket is a socket" [ -S "$T_SOCK" ]
want "state parent (created)" "$(owner_mode "$T_DIR/var")" "750 $RUN_USER $RUN_GROUP"
want "state directory" "$(owner_mode "$STATE")" "750 $RUN_USER $RUN_GROUP"
want "state data.mdb" "$(owner_mode "$STATE/data.mdb")" "600 $RUN_USER $RUN_GROUP"
want "state lock.mdb" "$(owner_mode "$STATE/lock.mdb")" "600 $RUN_USER $RUN_GROUP"
serves_mail nobody
t_stop
want "stopped cleanly" "$T_STATUS" 0

# ------------------------------------------------------------ root's leftovers
t_section "a state left by root (owner root, modes 0777/0644) is given back"
chown -R root:root "$STATE"
chmod 0777 "$STATE"
chmod 0644 "$STATE/data.mdb" "$STATE/lock.mdb"
t_start "$T_DIR/milter.conf"
want "state directory" "$(owner_mode "$STATE")" "750 $RUN_USER $RUN_GROUP"
want "state data.mdb" "$(owner_mode "$STATE/data.mdb")" "600 $RUN_USER $RUN_GROUP"
want "state lock.mdb" "$(owner_mode "$STATE/lock.mdb")" "600 $RUN_USER $RUN_GROUP"
serves_mail leftovers
t_stop

# A symbolic link planted in the state directory is not followed.
t_section "a symbolic link as data.mdb is refused, its target untouched"
echo secret >"$T_DIR/target"
chmod 0644 "$T_DIR/target"
mv "$STATE/data.mdb" "$T_DIR/data.mdb.saved"
ln -s "$T_DIR/target" "$STATE/data.mdb"
"$MX6_MILTER" -f -c "$T_DIR/milter.conf" -p "unix:$T_DIR/sock2" >"$T_DIR/symlink.log" 2>&1 </dev/null &
SPID=$!
_i=0
while t_alive "$SPID" && [ $_i -lt 100 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
if t_alive "$SPID"; then
	kill "$SPID"
	t_notok "refused to start with a symbolic link as data.mdb"
else
	wait "$SPID"
	want "refused to start with a symbolic link as data.mdb: exit status" "$?" 1
fi
want "the link's target keeps its owner and mode" "$(owner_mode "$T_DIR/target")" "644 root root"
t_check "the refusal is logged" grep -q 'cannot give data.mdb to' "$T_DIR/symlink.log"
rm -f "$STATE/data.mdb"
mv "$T_DIR/data.mdb.saved" "$STATE/data.mdb"

# ------------------------------------------------------------ user = root
t_section "user = root, explicitly"
rm -rf "$T_DIR/var"
conf "user = root"
t_start "$T_DIR/milter.conf"
want "Uid" "$(status_field Uid)" "0 0 0 0"
want "socket" "$(owner_mode "$T_SOCK")" "660 root root"
want "state data.mdb (created by root: 0600)" "$(owner_mode "$STATE/data.mdb")" "600 root root"
serves_mail root
t_stop

# ------------------------------------------------------------ no user line
t_section "no user line: the default user mx6-milter, never root"
rm -rf "$T_DIR/var"
conf ""
if getent passwd mx6-milter >/dev/null; then
	t_start "$T_DIR/milter.conf"
	want "Uid" "$(status_field Uid)" "$(id -u mx6-milter) $(id -u mx6-milter) $(id -u mx6-milter) $(id -u mx6-milter)"
	t_stop
else
	"$MX6_MILTER" -f -c "$T_DIR/milter.conf" -p "unix:$T_DIR/sock3" >"$T_DIR/nouser.log" 2>&1 </dev/null &
	SPID=$!
	_i=0
	while t_alive "$SPID" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if t_alive "$SPID"; then
		kill "$SPID"
		t_notok "refused to start as root (user mx6-milter does not exist)"
	else
		wait "$SPID"
		want "refused to start as root (user mx6-milter does not exist): exit status" "$?" 1
	fi
	t_check "no socket was left" [ ! -e "$T_DIR/sock3" ]
	t_check "says why" grep -q "user 'mx6-milter' does not exist" "$T_DIR/nouser.log"
fi

t_done
