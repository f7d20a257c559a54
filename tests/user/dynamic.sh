#!/usr/bin/env bash
# dynamic.sh — dynamically linked Debian i386 programs (coreutils, with
# libc6's /lib/ld-linux.so.2) under `ringvm user -L $RINGVM_SYSROOT`, compared
# byte for byte with qemu-i386 -L running the same program, with the host's
# amd64 coreutils where the output does not depend on the ISA, and with the
# program run natively through the sysroot's ld-linux.so.2 where the host can
# run i386 code (not with RINGVM_NO_IA32=1).  Also checks that PT_INTERP is
# looked up under -L, and -E and -0.  TAP output: one test per command.
# Usage: dynamic.sh FAKELD   (FAKELD: progs/fakeld.S built by meson)
#   RINGVM_BIN ringvm binary; RINGVM_SYSROOT the i386 sysroot that
#   scripts/common.sh (ringvm_fetch_guest) assembles.
set -u
bin=${RINGVM_BIN:?} fakeld=${1:?usage: dynamic.sh FAKELD}
fakeld=$(realpath "$fakeld") || exit 1 # we cd below
root=${RINGVM_SYSROOT:-}

# Not set up: one failing test saying why (never a silent pass or skip).
why=""
if [[ -z $root ]]; then
  why="RINGVM_SYSROOT is not set (scripts/test sets it; by hand: eval \"\$(scripts/fetch-guest)\")"
elif [[ ! -x $root/lib/ld-linux.so.2 || ! -x $root/usr/bin/ls ]]; then
  why="RINGVM_SYSROOT=$root has no lib/ld-linux.so.2 or usr/bin/ls (rerun scripts/fetch-guest)"
fi
if [[ -n $why ]]; then
  echo "dynamic.sh: $why" >&2
  printf '1..1\nnot ok 1 - %s\n' "$why"
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export LC_ALL=C TZ=UTC

# inputs: deterministic text, random bytes, a directory with fixed names/sizes
awk 'BEGIN { srand(11); for (i = 0; i < 20000; i++) printf "%d line %x %s\n", int(rand()*100000), i, (i%5 ? "gamma" : "delta") }' >text
head -c 2097152 /dev/urandom >random
mkdir -p lsdir/sub && : >lsdir/a && printf '0123456789' >lsdir/b
head -c 100 text >lsdir/c-100 && head -c 70000 random >lsdir/d.big && ln -s b lsdir/link

ld=$root/lib/ld-linux.so.2 libs=$root/lib/i386-linux-gnu
native_i386=0
if [[ -z ${RINGVM_NO_IA32:-} ]] && "$ld" --library-path "$libs" "$root/usr/bin/true" 2>/dev/null; then
  native_i386=1
fi

# run MODE PROG ARGS...: the Debian i386 PROG (or the host's, for amd64)
run() {
  local mode=$1 prog=$2
  shift 2
  case $mode in
    ringvm) "$bin" user -L "$root" "$root/usr/bin/$prog" "$@" ;;
    qemu) qemu-i386 -L "$root" "$root/usr/bin/$prog" "$@" ;;
    native) "$ld" --library-path "$libs" "$root/usr/bin/$prog" "$@" ;;
    amd64) "/usr/bin/$prog" "$@" ;;
    amd64-root) # absolute paths inside the sysroot, shown as the guest sees them
      "/usr/bin/$prog" "${@/#\//$root/}" | sed "s|$root/|/|g" ;;
  esac
}

# ls -la: compare mode, size and name (dates and owners may not match amd64)
filter_ls() { awk 'NR > 1 && $NF != ".." { print $1, $5, $NF }'; }

# name | stdin file ("-": none) | compare with | filter | command
#   compare with: 1 qemu-i386, the amd64 program and native i386 (output
#   independent of the ISA); 0 qemu-i386 only; R the amd64 program run on
#   the sysroot's files (absolute paths are in the sysroot: qemu-i386 7.2
#   does not look up statx paths under -L)
cases=(
  "echo|-|1||echo hello world"
  "echo-e|-|1||echo -n -e 'tab\\there\\nnewline\\0nul'"
  "printf|-|1||printf '%s %5d %x %o %.3f %e %Lg|\\n' a 42 255 8 3.14159 12345.678 0.1"
  "cat|text|1||cat"
  "cat-files|-|1||cat text random lsdir/b"
  "sort|-|1||sort text"
  "sort-n|-|1||sort -s -rn -k1,1 text"
  "sha256sum|-|1||sha256sum random text"
  "md5sum|text|1||md5sum"
  "wc|-|1||wc text random"
  "date|-|1||date -d @0 -u"
  "date-fmt|-|1||date -u -d @1234567890 '+%Y-%m-%d %H:%M:%S %j %A %s'"
  "seq|-|1||seq 1 3 30000"
  "seq-float|-|1||seq -w 0 0.25 3"
  "basename|-|1||basename /usr/lib/i386-linux-gnu/libc.so.6 .6"
  "expr|-|1||expr 7 '*' 6"
  "expr-str|-|1||expr substr hello 2 3"
  "expr-gmp|-|1||expr 123456789012345678901234567890 + 1"
  "factor|-|1||factor 1234567890123 4294967291"
  "tr|text|1||tr a-z A-Z"
  "tr-d|text|1||tr -d 0-9"
  "head|-|1||head -n 5 text"
  "head-c|random|1||head -c 1000"
  "tail|-|1||tail -n 3 text"
  "tail-c|-|1||tail -c 100 random"
  "uname|-|0||uname -m"
  "id|-|1||id -u"
  "ls|-|1|ls|ls -la lsdir"
  "stat|-|1||stat -c '%s %F %a %n' text lsdir lsdir/link"
  "du|-|1||du -ab lsdir"
  "pwd|-|1||pwd -P"
  "sysroot-path|-|R||ls -l /lib/i386-linux-gnu/libselinux.so.1 /usr/bin/cat"
  "readlink|-|0||readlink -f /lib/ld-linux.so.2"
)

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
  n=$((n + 1)) failed=$((failed + 1))
  echo "not ok $n - $1"
  if [[ -f out.qemu && -f out.ringvm ]]; then
    diff <(head -c 2000 out.qemu) <(head -c 2000 out.ringvm) | head -10 | sed 's/^/# /'
  fi
  if [[ -s err.ringvm ]]; then head -5 err.ringvm | sed 's/^/# stderr: /'; fi
}

echo "1..$((${#cases[@]} + 3))"
for c in "${cases[@]}"; do
  IFS='|' read -r name input indep filter cmd <<<"$c"
  words=()
  eval "words=($cmd)"
  [[ $input == - ]] && input=/dev/null
  rm -f out.* err.*
  for mode in ringvm qemu amd64 native amd64-root; do
    case $mode in
      qemu) [[ $indep != R ]] || continue ;;
      amd64) [[ $indep == 1 ]] || continue ;;
      native) [[ $indep == 1 && $native_i386 == 1 ]] || continue ;;
      amd64-root) [[ $indep == R ]] || continue ;;
    esac
    run "$mode" "${words[@]}" <"$input" >"out.$mode" 2>"err.$mode"
    echo $? >"rc.$mode"
    if [[ $filter == ls ]]; then filter_ls <"out.$mode" >"out.$mode.f" && mv "out.$mode.f" "out.$mode"; fi
  done
  why=""
  for mode in qemu amd64 native amd64-root; do
    [[ -f out.$mode ]] || continue
    label=$mode
    [[ $mode == qemu ]] && label=qemu-i386
    [[ $mode == amd64* ]] && label="the amd64 ${words[0]}"
    [[ $mode == native ]] && label="native i386"
    if [[ $(cat rc.ringvm) != "$(cat "rc.$mode")" ]]; then
      why="exit $(cat rc.ringvm), $label $(cat "rc.$mode")"
    elif ! cmp -s out.ringvm "out.$mode"; then
      why="output differs from $label"
    fi
    [[ -n $why ]] && break
  done
  if [[ -z $why && $name == uname && $(cat out.ringvm) != i686 ]]; then
    why="uname -m says $(cat out.ringvm), expected i686"
  fi
  if [[ -z $why && ! -s out.ringvm ]]; then why="no output"; fi
  if [[ -z $why ]]; then ok "$name"; else notok "$name: $why"; fi
done

# PT_INTERP under -L: a scratch sysroot whose lib/ld-linux.so.2 is FAKELD
# (prints a marker, exits 42) must be the interpreter that runs.
rm -f out.* err.*
mkdir -p fake/lib && cp "$fakeld" fake/lib/ld-linux.so.2
"$bin" user -L "$work/fake" "$root/usr/bin/true" >out.ringvm 2>err.ringvm
rc=$?
if [[ $rc == 42 && $(cat out.ringvm) == "ringvm-test: fake interpreter" ]]; then
  ok "PT_INTERP /lib/ld-linux.so.2 is looked up under -L"
else
  notok "PT_INTERP /lib/ld-linux.so.2 not taken from -L (exit $rc, expected 42 and the marker)"
fi

# The libraries through the sysroot (ld.so's list, -E), as qemu-i386 says.
rm -f out.* err.*
"$bin" user -L "$root" -E LD_TRACE_LOADED_OBJECTS=1 "$root/usr/bin/ls" >out.ringvm 2>err.ringvm
rc=$?
qemu-i386 -L "$root" -E LD_TRACE_LOADED_OBJECTS=1 "$root/usr/bin/ls" >out.qemu 2>/dev/null
for f in out.ringvm out.qemu; do sed -i 's/ (0x[0-9a-f]*)$//' "$f"; done
if [[ $rc != 0 ]]; then notok "ld.so library list (-E LD_TRACE_LOADED_OBJECTS=1): exit $rc"
elif ! cmp -s out.ringvm out.qemu; then notok "ld.so library list: differs from qemu-i386"
elif ! grep -q '^	/lib/ld-linux.so.2$' out.ringvm ||
  ! grep -q 'libselinux.so.1 => /lib/i386-linux-gnu/libselinux.so.1' out.ringvm; then
  notok "ld.so library list: no /lib/ld-linux.so.2 or libselinux from the sysroot"
else ok "ld.so library list (-E LD_TRACE_LOADED_OBJECTS=1) as qemu-i386"
fi

# -0 ARGV0: the program names itself by it.
rm -f out.* err.*
"$bin" user -L "$root" -0 renamed-ls "$root/usr/bin/ls" --no-such-option >out.ringvm 2>err.ringvm
rc=$?
qemu-i386 -L "$root" -0 renamed-ls "$root/usr/bin/ls" --no-such-option >out.qemu 2>err.qemu
rq=$?
if [[ $rc != "$rq" ]]; then notok "-0 ARGV0: exit $rc, qemu-i386 $rq"
elif ! cmp -s err.ringvm err.qemu || ! grep -q '^renamed-ls: ' err.ringvm; then
  notok "-0 ARGV0: stderr differs from qemu-i386 or does not start with renamed-ls:"
else ok "-0 ARGV0 (exit $rc, message as qemu-i386)"
fi

if ((!native_i386)); then
  echo "# skipped: native i386 comparison (host cannot run i386 code, or RINGVM_NO_IA32=1)"
fi
exit $((failed > 0))
