#!/usr/bin/env bash
# Runs clang-tidy (the repository's .clang-tidy, WarningsAsErrors '*') over the first-party C++
# sources, one file at a time at low priority, with the compile database of the asan build
# (configured first if it is missing). Headers under src/ are checked through the files that
# include them.
# Usage: scripts/tidy.sh [FILE.cc ...]   (default: every tracked src/, tests/ and bench/ .cc)
# Exits 1 if there is any finding, 2 on a usage or setup error; ends with a one-line summary.
# Environment: CLANG_TIDY (default clang-tidy-14, else clang-tidy).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build_dir=build/asan

tidy="${CLANG_TIDY:-}"
if [[ -z "$tidy" ]]; then
  if command -v clang-tidy-14 >/dev/null; then tidy=clang-tidy-14; else tidy=clang-tidy; fi
fi
command -v "$tidy" >/dev/null || { echo "tidy: $tidy not found" >&2; exit 2; }

if [[ ! -f "$build_dir/compile_commands.json" ]]; then
  echo "tidy: configuring the asan preset for its compile database" >&2
  cmake --preset asan >/dev/null
fi

files=()
if (($# > 0)); then
  for f in "$@"; do
    [[ -e "$f" ]] || { echo "tidy: no such file: $f" >&2; exit 2; }
    rel="$(realpath --relative-to="$root" "$f")"
    if [[ "$rel" != *.cc ]]; then
      echo "tidy: skipping $rel (headers are checked through the .cc files that include them)" >&2
      continue
    fi
    files+=("$rel")
  done
else
  mapfile -t files < <(git ls-files 'src/*.cc' 'tests/*.cc' 'bench/*.cc')
fi

# Only headers of our own tree are reported; the path is matched as the compiler sees it.
root_re="$(printf '%s' "$root" | sed 's/[][\\.*^$+?(){}|]/\\&/g')"
header_filter="^${root_re}/src/"

# clang-tidy's per-file bookkeeping lines, and the first line of a finding.
noise='^[0-9]+ (warning|error)s?( and [0-9]+ errors?)? (generated|treated as errors)\.?$'
noise+='|^Suppressed [0-9]+ warnings|^Use -header-filter='
finding='^[^ ].*:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$'

findings=()  # one entry per finding; a header's findings repeat for each file including it
failed=0     # files clang-tidy rejected without a finding (e.g. no compile command)
start=$SECONDS
for f in "${files[@]}"; do
  rc=0
  out="$(nice -n 10 "$tidy" -p "$build_dir" -quiet -header-filter="$header_filter" "$f" 2>&1)" ||
    rc=$?
  shown="$(grep -Ev "$noise" <<<"$out" || true)"
  mapfile -t found < <(grep -E "$finding" <<<"$shown" || true)
  if ((${#found[@]} > 0 || rc != 0)); then
    printf '%s\n' "$shown"
  fi
  if ((${#found[@]} > 0)); then
    findings+=("${found[@]}")
  elif ((rc != 0)); then
    echo "tidy: clang-tidy failed on $f (exit $rc)" >&2
    failed=$((failed + 1))
  fi
done

unique=0
if ((${#findings[@]} > 0)); then
  unique="$(printf '%s\n' "${findings[@]}" | sort -u | wc -l)"
fi
elapsed=$((SECONDS - start))
if ((unique == 0 && failed == 0)); then
  echo "tidy: ${#files[@]} files clean (${elapsed}s)"
  exit 0
fi
by_check=""
if ((unique > 0)); then
  by_check="$(printf '%s\n' "${findings[@]}" | sort -u | sed -E 's/.*\[([^],]+).*\]$/\1/' |
    sort | uniq -c | sort -rn | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}')"
fi
echo "tidy: ${#files[@]} files, ${unique} findings${by_check:+ (${by_check})}," \
  "${failed} files failed (${elapsed}s)"
exit 1
