#!/usr/bin/env bash
# badinput.sh — `ringvm user` on bad input and on guests that die.  TAP.
#  - bad command lines and programs it cannot run (not an ELF, 64-bit ELF,
#    missing file or interpreter, ...): exit status 1 and one line on stderr
#    naming what is wrong, as `ringvm scan` does;
#  - i386 programs that fault (progs/crash.c: unmapped jump, invalid opcodes,
#    null write, division by zero, abort, ...) end by the same signal as a
#    native i386 run and qemu-i386 (ringvm kills itself with the guest's
#    signal, so the shell sees 128+signal), with nothing from ringvm on stderr;
#    a guest's exit status is ringvm's.
# Usage: badinput.sh CRASH BADINTERP   (built by tests/user/meson.build)
#   CRASH      static i386 build of progs/crash.c
#   BADINTERP  dynamic i386 build of it whose PT_INTERP does not exist
#   RINGVM_BIN ringvm binary; RINGVM_SYSROOT (optional) the i386 sysroot;
#   RINGVM_NO_IA32=1 skips the native i386 comparison.
set -u
bin=${RINGVM_BIN:?} crash=${1:?usage: badinput.sh CRASH BADINTERP} badinterp=${2:?}
crash=$(realpath "$crash") badinterp=$(realpath "$badinterp") || exit 1 # we cd below
sysroot=${RINGVM_SYSROOT:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
ulimit -c 0 # guests and ringvm die by SIGSEGV & co.: no core files

native_i386=0
if [[ -z ${RINGVM_NO_IA32:-} ]]; then
  "$crash" exit3 2>/dev/null
  if [[ $? == 3 ]]; then native_i386=1; fi
fi

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
  n=$((n + 1)) failed=$((failed + 1))
  echo "not ok $n - $1"
  if [[ -s err ]]; then head -n 5 err | sed 's/^/# stderr: /'; fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# Run "$@" with stdout in out, stderr in err; print its exit status.  The
# shell's own "Segmentation fault" notice goes nowhere.
run() { { "$@" >out 2>err; echo $?; } 2>/dev/null; }

# expect_error NAME WORD ARGS...: `ringvm user ARGS` must exit 1 with exactly
# one line on stderr, containing WORD (unless WORD is empty).
expect_error() {
  local name=$1 word=$2 rc lines
  shift 2
  rc=$(run "$bin" user "$@")
  lines=$(wc -l <err)
  if [[ $rc != 1 ]]; then notok "$name: exit $rc, expected 1"
  elif [[ $lines != 1 ]]; then notok "$name: $lines lines on stderr, expected 1"
  elif [[ -n $word ]] && ! grep -qF -- "$word" err; then notok "$name: stderr does not name $word"
  else ok "$name: $(tr -d '#' <err)"
  fi
}

printf 'hello, not an ELF\n' >notelf.txt
: >empty
head -c 200 "$crash" >truncated.elf
mkdir emptyroot adir

expect_error "text file" notelf.txt notelf.txt
expect_error "empty file" empty empty
expect_error "truncated i386 ELF" truncated.elf truncated.elf
expect_error "64-bit ELF" /bin/true /bin/true
expect_error "directory" adir adir
expect_error "missing file" no-such-program ./no-such-program
expect_error "missing PT_INTERP" /nonexistent/ld-ringvm-missing.so.2 "$badinterp"
expect_error "missing PT_INTERP, -L empty dir" /nonexistent/ld-ringvm-missing.so.2 \
  -L "$work/emptyroot" "$badinterp"
expect_error "-L missing dir" /nonexistent-sysroot -L /nonexistent-sysroot "$crash" exit3
expect_error "no program" ""
expect_error "no program after options" "" --stats -L "$work/emptyroot" --
expect_error "unknown option" --bogus --bogus "$crash" exit3
expect_error "-L without argument" "" -L

# A dynamic Debian program with -L at an empty directory: its interpreter
# /lib/ld-linux.so.2 is not looked for on the host (ringvm's rule; qemu-i386
# would fall back to the host's).  Without -L the host's is used if there is
# one (libc6-i386): then ringvm must do what qemu-i386 does.
if [[ -z $sysroot ]]; then
  skip "sysroot program, -L empty dir" "RINGVM_SYSROOT not set"
  skip "sysroot program without -L" "RINGVM_SYSROOT not set"
else
  expect_error "sysroot program, -L empty dir" /lib/ld-linux.so.2 -L "$work/emptyroot" \
    "$sysroot/usr/bin/ls" -d /
  if [[ ! -e /lib/ld-linux.so.2 ]]; then
    expect_error "sysroot program without -L" /lib/ld-linux.so.2 "$sysroot/usr/bin/ls" -d /
  else
    rq=$(run qemu-i386 "$sysroot/usr/bin/ls" -d /)
    cat out err >qemu.txt
    rc=$(run "$bin" user "$sysroot/usr/bin/ls" -d /)
    if [[ $rc != "$rq" ]]; then notok "sysroot program without -L: exit $rc, qemu-i386 $rq"
    elif ! cat out err | cmp -s - qemu.txt; then
      notok "sysroot program without -L: output differs from qemu-i386"
    else ok "sysroot program without -L: exit $rc as qemu-i386 (with the host's /lib/ld-linux.so.2)"
    fi
  fi
fi

# Guests that exit or die: mode | signal name (or "exit N")
cases=(
  "exit3|exit 3"
  "jump-unmapped|SEGV"
  "jump-nx|SEGV"
  "null-write|SEGV"
  "ud2|ILL"
  "ud0|ILL"
  "lock-nop|ILL"
  "div0|FPE"
  "abort|ABRT"
  "hlt|SEGV"
  "int3|TRAP"
)
for c in "${cases[@]}"; do
  IFS='|' read -r mode how <<<"$c"
  if [[ $how == exit* ]]; then want=${how#exit }; else want=$((128 + $(kill -l "$how"))); fi
  rq=$(run qemu-i386 "$crash" "$mode")
  rn=-
  if ((native_i386)); then rn=$(run "$crash" "$mode"); fi
  rc=$(run "$bin" user "$crash" "$mode")
  if [[ $rc != "$want" ]]; then notok "$mode: exit $rc, expected $want ($how)"
  elif [[ -s err ]]; then notok "$mode: ringvm wrote to stderr"
  elif [[ $rq != "$want" ]]; then notok "$mode: test bug? qemu-i386 gives $rq, expected $want"
  elif [[ $rn != - && $rn != "$want" ]]; then notok "$mode: test bug? native i386 gives $rn, expected $want"
  else ok "$mode: $how, as qemu-i386$( ((native_i386)) && echo " and native i386")"
  fi
done
((native_i386)) || echo "# native i386 comparison skipped: host cannot run i386 code (or RINGVM_NO_IA32=1)"

echo "1..$n"
exit $((failed > 0))
