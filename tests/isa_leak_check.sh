#!/bin/sh
# vireo — fails if an object compiled with ISA flags (a *-avx2.cpp, *-avx512.cpp
# or *-neon.cpp file) defines a weak or COMDAT symbol.
#
# Why: an inline function or template instantiated in such a file is emitted
# as a weak (W/V), unique (u) or indirect (i) symbol. The linker keeps one copy
# of each, possibly the one built with -mavx512f, and baseline code calling it
# then dies with SIGILL on a CPU without AVX-512. ISA files must keep
# everything internal (static / anonymous namespace) except their init_*
# entry point, which is a strong symbol (T).
#
# Usage: isa_leak_check.sh <build-dir>   (run by ctest as "isa_leak_check")
set -eu

build=${1:?usage: isa_leak_check.sh <build-dir>}
nm=${NM:-nm}
command -v "$nm" >/dev/null 2>&1 || { echo "isa_leak_check: '$nm' not found" >&2; exit 2; }

objects=$(find "$build/CMakeFiles" -type f \( -name '*-avx2.cpp.o' -o -name '*-avx512.cpp.o' -o -name '*-neon.cpp.o' \) | sort)
if [ -z "$objects" ]; then
    echo "isa_leak_check: no ISA objects under $build/CMakeFiles (build first)" >&2
    exit 2
fi

status=0
count=0
for obj in $objects; do
    count=$((count + 1))
    # Defined symbols only: "<address> <type> <name>"; undefined ones have no address.
    leaks=$("$nm" -C "$obj" | awk 'NF >= 3 && $2 ~ /^[WVui]$/ { $1 = ""; print "   " $0 }')
    if [ -n "$leaks" ]; then
        echo "ISA leak: ${obj#"$build"/} defines weak/COMDAT symbols:"
        echo "$leaks"
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "isa_leak_check: $count ISA objects, no weak or COMDAT definitions"
exit "$status"
