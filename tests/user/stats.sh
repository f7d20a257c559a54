#!/usr/bin/env bash
# stats.sh — what `ringvm user` reports about itself.  TAP.
#  - `--stats` prints its counters on stderr at exit (after the guest's own
#    output, which it leaves alone), with values that fit the run: a program
#    that rewrites its own code (progs/smc.c) shows SMC invalidations,
#    system calls, translated blocks, returns no more predicted than made;
#  - RINGVM_PERF_MAP=1 writes /tmp/perf-PID.map naming every block.
# Usage: stats.sh SMC   (the static i386 build of progs/smc.c)
set -u
bin=${RINGVM_BIN:?} smc=${1:?usage: stats.sh SMC}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n=0 failed=0
check() { # check NAME COND...: ok when the command COND succeeds
  local name=$1
  shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $name"; else failed=$((failed + 1)) && echo "not ok $n - $name"; fi
}

# the value after LABEL in the stats (first number)
stat() { sed -n "s/^  $1 *\([0-9][0-9]*\).*/\1/p" "$work/err"; }

"$bin" user --stats "$smc" >"$work/out" 2>"$work/err"
rc=$?
check "the guest's exit status stays ($rc)" test "$rc" = 0
check "its own output is untouched" grep -q '^1\.\.' "$work/out"
check "stderr starts with the stats header" grep -q '^ringvm stats: [0-9.]* s$' "$work/err"
for label in "blocks translated" "guest/host bytes" "time translating" "chain patches" \
  "indirect branches" "returns" "SMC invalidations" "cache flushes" "system calls"; do
  check "a line for $label" grep -q "^  $label " "$work/err"
done
blocks=$(stat "blocks translated") smc_inv=$(stat "SMC invalidations")
syscalls=$(stat "system calls") rets=$(stat "returns")
hits=$(sed -n 's/^  returns .*(predicted \([0-9]*\),.*/\1/p' "$work/err")
check "blocks were translated ($blocks)" test "${blocks:-0}" -gt 0
check "the self-modifying program caused SMC invalidations ($smc_inv)" test "${smc_inv:-0}" -gt 0
check "system calls were counted ($syscalls)" test "${syscalls:-0}" -gt 0
check "predicted returns ($hits) do not exceed returns ($rets)" test "${hits:-1}" -le "${rets:-0}"

# perf map: ringvm's pid is the one we start (exec, no fork in between)
RINGVM_PERF_MAP=1 "$bin" user "$smc" >/dev/null 2>&1 &
pid=$!
wait "$pid"
map=/tmp/perf-$pid.map
check "RINGVM_PERF_MAP=1 writes $map" test -s "$map"
lines=$(wc -l <"$map" 2>/dev/null) || lines=0
bad=$(grep -cvE '^[0-9a-f]+ [0-9a-f]+ guest_[0-9a-f]{8}$' "$map" 2>/dev/null) # 1: none
bad=${bad:-0}
check "every line is 'HOST SIZE guest_EIP' ($lines lines, $bad others)" test "$lines" -gt 0 -a "$bad" = 0
rm -f "$map"

echo "1..$n"
exit $((failed > 0))
