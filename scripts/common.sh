# shellcheck shell=bash
# common.sh — helpers sourced by the ringvm scripts (Debian 12 x86-64 host):
#   ringvm_deps          install missing build/test packages (quiet if none)
#   ringvm_fetch_guest   fetch + extract the default i386 guest and the i386
#                        sysroot for dynamic programs (-L), export RINGVM_*
#   ringvm_build DIR [meson args...]   configure (if needed) and compile DIR
# Progress goes to stderr; the callers keep stdout for results.

RINGVM_CACHE=${RINGVM_CACHE:-$HOME/.cache/ringvm}
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi

RINGVM_PACKAGES=(build-essential meson ninja-build pkg-config libzydis-dev
  libcapstone-dev libelf-dev check liblzma-dev zlib1g-dev gcc-multilib
  qemu-user qemu-system-x86 busybox-static xz-utils file)

# Debian i386 packages merged into the sysroot for dynamic guest programs
# (`ringvm user -L`): coreutils and everything it needs at run time.
RINGVM_SYSROOT_PACKAGES=(libc6 libgcc-s1 libacl1 libattr1 libgmp10 libpcre2-8-0
  libselinux1 coreutils)

ringvm_log() { printf 'ringvm: %s\n' "$*" >&2; }

# Copy apt output (stdin) to log file $1, printing a dot per download/unpack/setup step.
_ringvm_dots() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$1"
    case $line in Get:* | Unpacking\ * | Setting\ up\ *) printf . >&2 ;; esac
  done
  printf '\n' >&2
}

ringvm_deps() {
  local log=$RINGVM_CACHE/apt.log installed policy p missing=() update=0
  mkdir -p "$RINGVM_CACHE"
  if ! dpkg --print-foreign-architectures | grep -qx i386; then
    ringvm_log "adding the i386 architecture to dpkg"
    $SUDO dpkg --add-architecture i386
    update=1
  fi
  installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${RINGVM_PACKAGES[@]}" 2>/dev/null || true)
  for p in "${RINGVM_PACKAGES[@]}"; do
    grep -qx "ii  $p" <<<"$installed" || missing+=("$p")
  done
  policy=$(apt-cache policy busybox-static:i386 2>/dev/null || true)
  [[ $policy == *"Candidate: "[0-9]* ]] || update=1   # i386 package lists missing
  ((${#missing[@]} || update)) || return 0

  : >"$log"
  if ((${#missing[@]})); then
    ringvm_log "installing ${#missing[@]} packages: ${missing[*]}"
  fi
  ringvm_log "apt-get update..."
  $SUDO apt-get update -q >>"$log" 2>&1 ||
    ringvm_log "warning: apt-get update failed (exit $?), continuing (see $log)"
  ((${#missing[@]})) || return 0
  ringvm_log "apt-get install (log: $log)"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends "${missing[@]}" 2>&1 | _ringvm_dots "$log"; then
    ringvm_log "apt-get install failed; last lines of $log:"
    tail -n 25 "$log" >&2
    exit 1
  fi
}

# Ensure PKG:i386 (current candidate version) is extracted under the guest
# cache; print its directory. Fails if apt does not know it or download fails.
_ringvm_deb() {
  local pkg=$1 guest=$RINGVM_CACHE/guest info ver size dir tmp debs=() opts=()
  info=$(apt-cache show --no-all-versions "$pkg:i386" 2>/dev/null) || return 1
  ver=$(sed -n 's/^Version: //p' <<<"$info")
  size=$(sed -n 's/^Size: //p' <<<"$info")
  [[ -n $ver ]] || return 1
  dir=$guest/${pkg}_${ver#*:} tmp=$guest/.extract-$pkg
  if [[ ! -d $dir ]]; then
    # as root apt would try to drop to _apt and warn that it cannot
    if [[ $(id -u) -eq 0 ]]; then opts=(-o APT::Sandbox::User=root); fi
    mkdir -p "$guest/debs" || return 1
    rm -f "$guest/debs/${pkg}_"*.deb
    ringvm_log "downloading $pkg:i386 $ver ($(((${size:-0} + 500000) / 1000000)) MB)..."
    (cd "$guest/debs" && apt-get "${opts[@]}" download "$pkg:i386" >&2) || return 1
    debs=("$guest/debs/${pkg}_"*_i386.deb)
    [[ -f ${debs[0]} ]] || return 1
    ringvm_log "extracting ${debs[0]##*/}..."
    rm -rf "$tmp"
    dpkg -x "${debs[0]}" "$tmp" && mv "$tmp" "$dir" || return 1
    rm -f "${debs[0]}"
  fi
  printf '%s\n' "$dir"
}

# Newest already-extracted guest directory whose name matches glob $1
# (offline fallback).
_ringvm_cached() {
  local d
  # shellcheck disable=SC2086 # $1 is a glob
  d=$(printf '%s\n' "$RINGVM_CACHE/guest/"$1/ | sort -V | tail -n 1)
  [[ -d $d ]] && printf '%s\n' "${d%/}"
}

# Assemble the extracted package directories $@ into one sysroot,
# $RINGVM_CACHE/guest/sysroot-i386, with Debian 12's merged /usr (bin, sbin,
# lib -> usr/...); print its path. It is rebuilt only when the list of
# package versions changes (kept in its .ringvm-packages).
_ringvm_sysroot() {
  local root=$RINGVM_CACHE/guest/sysroot-i386 list d l
  list=$(printf '%s\n' "${@##*/}")
  if [[ ! -d $root || $(cat "$root/.ringvm-packages" 2>/dev/null) != "$list" ]]; then
    ringvm_log "assembling the i386 sysroot from $# packages..."
    rm -rf "$root.new" && mkdir -p "$root.new/usr" || return 1
    for d; do cp -a "$d/." "$root.new/" || return 1; done
    for l in bin sbin lib; do
      mkdir -p "$root.new/usr/$l" || return 1
      if [[ -d $root.new/$l && ! -L $root.new/$l ]]; then
        cp -a "$root.new/$l/." "$root.new/usr/$l/" && rm -rf "${root:?}.new/$l" || return 1
      fi
      ln -sfn "usr/$l" "$root.new/$l" || return 1
    done
    printf '%s\n' "$list" >"$root.new/.ringvm-packages" || return 1
    rm -rf "$root" && mv "$root.new" "$root" || return 1
  fi
  printf '%s\n' "$root"
}

ringvm_fetch_guest() {
  local guest=$RINGVM_CACHE/guest kdir="" bdir="" sroot="" pkg pkgs f have sdirs=()
  mapfile -t pkgs < <(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686-unsigned$' |
    cut -d' ' -f1 | sort -rV)
  for pkg in "${pkgs[@]}"; do
    kdir=$(_ringvm_deb "$pkg") && break
    ringvm_log "warning: could not fetch $pkg:i386, trying an older kernel"
    kdir=""
  done
  if [[ -z $kdir ]]; then # offline: newest kernel extracted earlier
    kdir=$(_ringvm_cached 'linux-image-6.1.0-*-686-unsigned_*') ||
      { ringvm_log "error: no guest kernel available (offline?)"; exit 1; }
    ringvm_log "warning: apt could not provide a kernel, using cached ${kdir##*/}"
  fi
  bdir=$(_ringvm_deb busybox-static) || bdir=$(_ringvm_cached 'busybox-static_*') ||
    { ringvm_log "error: could not fetch busybox-static:i386"; exit 1; }

  # the sysroot: candidate versions in one apt-cache call (each call takes
  # seconds); _ringvm_deb fetches what is not extracted yet
  have=$(apt-cache show --no-all-versions "${RINGVM_SYSROOT_PACKAGES[@]/%/:i386}" 2>/dev/null |
    awk '/^Package: /{p=$2} /^Version: /{v=$2; sub(/^[0-9]+:/, "", v); print p "_" v}' || true)
  for pkg in "${RINGVM_SYSROOT_PACKAGES[@]}"; do
    f=$guest/$(grep -m1 "^${pkg}_" <<<"$have")
    [[ $f != "$guest/" && -d $f ]] || f=$(_ringvm_deb "$pkg") || f=$(_ringvm_cached "${pkg}_*") ||
      { ringvm_log "warning: could not fetch $pkg:i386: no i386 sysroot (RINGVM_SYSROOT unset)"; sdirs=(); break; }
    sdirs+=("$f")
  done
  if ((${#sdirs[@]})); then
    sroot=$(_ringvm_sysroot "${sdirs[@]}") ||
      { ringvm_log "error: could not assemble the i386 sysroot (remove $guest/sysroot-i386 and retry)"; exit 1; }
  fi

  for f in "$kdir"/boot/vmlinuz-*; do RINGVM_KERNEL=$f; done
  RINGVM_KVER=${RINGVM_KERNEL##*/vmlinuz-}
  RINGVM_SYSMAP=$kdir/boot/System.map-$RINGVM_KVER
  RINGVM_KCONFIG=$kdir/boot/config-$RINGVM_KVER
  RINGVM_BUSYBOX=$bdir/bin/busybox
  for f in "$RINGVM_KERNEL" "$RINGVM_SYSMAP" "$RINGVM_KCONFIG" "$RINGVM_BUSYBOX"; do
    [[ -f $f ]] || { ringvm_log "error: missing $f (remove $guest and retry)"; exit 1; }
  done
  export RINGVM_KERNEL RINGVM_SYSMAP RINGVM_KCONFIG RINGVM_BUSYBOX RINGVM_KVER
  if [[ -n $sroot ]]; then
    [[ -x $sroot/lib/ld-linux.so.2 && -x $sroot/usr/bin/ls ]] ||
      { ringvm_log "error: incomplete sysroot $sroot (remove it and retry)"; exit 1; }
    RINGVM_SYSROOT=$sroot
    export RINGVM_SYSROOT
  fi
  ringvm_log "guest: linux $RINGVM_KVER, ${bdir##*/}${sroot:+, sysroot ${sroot##*/}} (in $guest)"
}

ringvm_build() {
  local dir=$1 args
  shift
  args=$(printf '%q ' "$@")
  if [[ ! -f $dir/build.ninja ]]; then
    meson setup "$dir" "$@" || return 1
  elif [[ $(cat "$dir/.ringvm-args" 2>/dev/null) != "$args" ]]; then
    meson setup --reconfigure "$dir" "$@" || return 1
  fi
  printf '%s\n' "$args" >"$dir/.ringvm-args"
  meson compile -C "$dir"
}
