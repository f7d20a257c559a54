#!/usr/bin/env bash
# busybox.sh — Debian's i386 busybox applets under `ringvm user`, compared
# byte for byte with qemu-i386 running the same binary, with the amd64
# busybox of the same version where the output does not depend on the ISA,
# and with the i386 binary run natively where the host can (not with
# RINGVM_NO_IA32=1).  TAP output: one test per applet command.
#   RINGVM_BIN      ringvm binary        RINGVM_BUSYBOX  i386 busybox
set -u
bin=${RINGVM_BIN:?} bb=${RINGVM_BUSYBOX:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# inputs: deterministic text, random bytes, a small tree
awk 'BEGIN { srand(7); for (i = 0; i < 20000; i++) printf "%d line %x %s\n", int(rand()*100000), i, (i%7 ? "alpha" : "beta") }' > text
head -c 4194304 /dev/urandom > random
mkdir -p tree/a/b tree/c && echo one > tree/a/x && echo two > tree/a/b/y && cp text tree/c/z

native_i386=0
if [[ -z ${RINGVM_NO_IA32:-} ]] && "$bb" true 2>/dev/null; then native_i386=1; fi

# name | command run as `busybox sh -c CMD` | 1: ISA-independent output (also
# compared with the amd64 busybox and native i386)
cases=(
  "echo|echo hello world|1"
  "pipe|echo hello | tr a-z A-Z|1"
  "subshell|(echo a; (echo b; echo c) | cat); x=\$(echo d); echo \$x|1"
  "sha256sum|sha256sum random text|1"
  "md5sum|md5sum random text|1"
  "gzip|gzip -c random | gunzip -c | sha256sum|1"
  "gzip-bytes|gzip -c -9 text | sha256sum|1"
  "sort|sort text | sha256sum|1"
  "sort-n|sort -n text | head -5; sort -rn text | tail -3|1"
  "awk|awk '{s += \$1} END {print s, NR}' text|1"
  "sed|sed -e 's/alpha/ALPHA/g' -e '/beta/d' text | sha256sum|1"
  "grep|grep -c beta text; grep -n 'line 1f4 ' text|1"
  "tar|tar cf - tree | tar tvf - | awk '{print \$3, \$6}' | sort|1"
  "find|find tree -type f | sort; find tree -name y|1"
  "dd|dd if=/dev/zero of=/dev/null bs=1 count=100000 2>&1 | head -2|1"
  "wc|wc -l text; wc -c random|1"
  "seq|seq 1 2000 | sort -rn | head -3|1"
  "printf|printf '%s %5d %x %o\\n' a 42 255 8|1"
  "expr|expr 7 \\* 6; expr length hello|1"
  "uname|uname -m|0"
)

n=0 failed=0
echo "1..${#cases[@]}"
for c in "${cases[@]}"; do
  IFS='|' read -r name cmd indep <<<"$c"
  n=$((n + 1))
  "$bin" user "$bb" sh -c "$cmd" >out.ringvm 2>err.ringvm; rc=$?
  qemu-i386 "$bb" sh -c "$cmd" >out.qemu 2>/dev/null; rq=$?
  why=""
  if [[ $rc != "$rq" ]]; then why="exit $rc, qemu-i386 $rq"
  elif ! cmp -s out.ringvm out.qemu; then why="output differs from qemu-i386"
  fi
  if [[ -z $why && $indep == 1 ]]; then
    busybox sh -c "$cmd" >out.amd64 2>/dev/null
    cmp -s out.ringvm out.amd64 || why="output differs from the amd64 busybox"
  fi
  # (uname -m of a native i386 process on an x86-64 kernel says x86_64)
  if [[ -z $why && $native_i386 == 1 && $indep == 1 ]]; then
    "$bb" sh -c "$cmd" >out.native 2>/dev/null
    cmp -s out.ringvm out.native || why="output differs from native i386"
  fi
  if [[ $name == uname && -z $why ]]; then
    [[ $(cat out.ringvm) == i686 ]] || why="uname -m says $(cat out.ringvm)"
  fi
  if [[ -z $why ]]; then
    echo "ok $n - $name"
  else
    failed=$((failed + 1))
    echo "not ok $n - $name: $why"
    diff <(head -c 2000 out.qemu) <(head -c 2000 out.ringvm) | head -10 | sed 's/^/# /'
    head -5 err.ringvm | sed 's/^/# stderr: /'
  fi
done
[[ $native_i386 == 1 ]] || echo "# native i386 comparison skipped: host cannot run i386 code (or RINGVM_NO_IA32=1)"
exit $((failed > 0))
