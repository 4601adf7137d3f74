#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# docs/omsig.1 against the program: every flag the CLI accepts (from each command's --help and
# from the option table in src/cli/cli_args.c) is in the man page, in both spellings where they
# differ (--public_key and --public-key); the version on its title line is the program's; it
# renders with `groff -man -ww` without a warning.  The bash completion the build wrote offers,
# with no omsig on PATH, the commands, sign's methods, each command's flags and the values of
# --hasher and --hash.
# Usage: tests/install/run_manpage.sh OMSIG_BINARY   (exit 77: no groff)
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
command -v groff >/dev/null || { echo "SKIP: groff is needed (apt-get install groff)"; exit 77; }
MAN=docs/omsig.1

# ---- renders without warnings ------------------------------------------------------------------
# for the terminal and, where groff has it (not groff-base alone), the PostScript device, which
# also checks the fonts
devices=utf8
groff -Tps -z </dev/null >/dev/null 2>&1 && devices="utf8 ps"
: >"$tmp/warn"
for d in $devices; do groff -man -ww -T"$d" "$MAN" >"$tmp/rendered.$d" 2>>"$tmp/warn"; done
if [ ! -s "$tmp/warn" ] && [ -s "$tmp/rendered.utf8" ]; then
    ok "groff -man -ww renders $MAN without warnings (devices: $devices)"
else
    bad "groff -man -ww: $(head -c 1500 "$tmp/warn")"
fi

# ---- the flags -------------------------------------------------------------------------------
# what the program lists: the flag that starts each row of the Options section of each help
option_rows() {
    sed -n '/^Options:/,/^$/p' | grep -E '^  (-[a-z], )?--[A-Za-z0-9]' |
        sed -E 's/^  (-[a-z], )?(--[A-Za-z0-9][A-Za-z0-9_-]*).*/\2/'
}
helps=("" "verify" "sign" "verify key" "verify certificate" "verify sigstore" "sign key"
    "sign certificate" "digest" "bench")
: >"$tmp/flags"
for h in "${helps[@]}"; do
    # shellcheck disable=SC2086
    COLUMNS=80 "$OMSIG" $h --help >"$tmp/help" 2>&1
    option_rows <"$tmp/help" >>"$tmp/flags"
done
n_help=$(sort -u "$tmp/flags" | wc -l)
# what the option table holds: rows that start with the flag's name in quotes
sed -n 's/^ *{"\([a-z][a-z0-9-]*\)", *\("--\|NULL\|O_[A-Z]\).*/--\1/p' src/cli/cli_args.c >>"$tmp/flags"
tr _ - <"$tmp/flags" | LC_ALL=C sort -u >"$tmp/want"
if [ "$n_help" -ge 20 ]; then
    ok "$n_help flags listed by the help texts, $(wc -l <"$tmp/want") with the option table"
else
    bad "only $n_help flags found in the help texts: $(tr '\n' ' ' <"$tmp/flags")"
fi

# the page's words: \- is a hyphen, font changes go
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$MAN" | grep -oE -- '--[A-Za-z0-9][A-Za-z0-9_-]*' |
    LC_ALL=C sort -u >"$tmp/page"
missing=
while read -r f; do
    grep -qx -- "$f" "$tmp/page" || { missing="$missing $f"; continue; }
    # a name with a hyphen after the leading -- has an underscore spelling too
    case ${f#--} in
    *-*) grep -E -- '_' "$tmp/page" | tr _ - | grep -qx -- "$f" || missing="$missing ${f#--}(underscore spelling)" ;;
    esac
done <"$tmp/want"
if [ -z "$missing" ]; then
    ok "every flag is in $MAN, in both spellings"
else
    bad "$MAN lacks:$missing"
fi
# and nothing stale: a flag in the page that the program does not accept
stale=
while read -r f; do
    grep -qx -- "$(printf '%s' "$f" | tr _ -)" "$tmp/want" || stale="$stale $f"
done <"$tmp/page"
if [ -z "$stale" ]; then ok "every flag in $MAN is accepted"; else bad "$MAN names flags the program lacks:$stale"; fi

# ---- commands, methods, version ----------------------------------------------------------------
for w in "verify key" "verify certificate" "verify sigstore" "sign key" "sign certificate" digest bench; do
    if grep -q "^\.BI \"$w " "$MAN"; then ok "$MAN describes '$w'"; else bad "$MAN lacks the command '$w'"; fi
done
for s in "EXIT STATUS" "ENVIRONMENT" "EXAMPLES" "JSON OUTPUT"; do
    if grep -q "^\.SH \"\{0,1\}$s" "$MAN"; then ok "$MAN has $s"; else bad "$MAN lacks the section $s"; fi
done
version=$("$OMSIG" --version | sed -n '1s/^omsig, version //p')
if grep -q "^\.TH OMSIG 1 .*\"omsig $version\"" "$MAN"; then
    ok "$MAN is for omsig $version"
else
    bad "$MAN's title line is not for omsig $version: $(grep '^\.TH' "$MAN")"
fi
# every --json field docs/json.md gives for verify, sign and digest
fields=$(sed -n '/^## The report/,/^## /p' docs/json.md | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p')
nf=
for f in $fields; do grep -qw -- "$f" "$MAN" || nf="$nf $f"; done
if [ -n "$fields" ] && [ -z "$nf" ]; then ok "$MAN names every --json field"; else bad "$MAN lacks --json fields:$nf"; fi

# ---- bash completion ---------------------------------------------------------------------------
# the completion the build wrote (its lists from this program's --help), sourced with a PATH
# that holds no omsig: completing must not need to run it
COMP=$(dirname "$OMSIG")/bash-completion/omsig
[ -f "$COMP" ] || { bad "the build wrote no $COMP"; summary; exit 1; }
mkdir "$tmp/bin" "$tmp/empty"
for t in sed sort tr; do ln -s "$(command -v "$t")" "$tmp/bin/$t"; done
cat >"$tmp/comp.sh" <<EOF
source "$COMP" || exit 1
PATH="$tmp/bin"
if command -v omsig >/dev/null; then echo "omsig is on PATH"; exit 1; fi
cd "$tmp/empty" || exit 1 # no file names among the candidates
# complete WORDS...: the candidates for the last word, one a line
complete_words() { COMP_WORDS=("\$@"); COMP_CWORD=\$((\$# - 1)); COMPREPLY=(); _omsig; printf '%s\n' "\${COMPREPLY[@]}"; }
EOF
comp() { bash -c "source '$tmp/comp.sh'; complete_words $*" 2>&1; }
prog=$(basename "$OMSIG")
got=$(comp "$prog" "''" | sort | tr '\n' ' ')
if [ "$got" = "bench digest sign verify " ]; then ok "completion: the commands"; else bad "completion of the command: '$got'"; fi
COLUMNS=80 "$OMSIG" verify key --help | option_rows | tr _ - | sort -u >"$tmp/vk"
comp "$prog" verify key model "--" | sort -u >"$tmp/vk_comp"
if [ -s "$tmp/vk" ] && cmp -s "$tmp/vk" "$tmp/vk_comp"; then
    ok "completion: the flags of verify key ($(wc -l <"$tmp/vk"))"
else
    bad "completion of 'verify key --': $(diff "$tmp/vk" "$tmp/vk_comp" | grep '^[<>]' | tr '\n' ' ')"
fi
got=$(comp "$prog" verify key model --public_ | tr '\n' ' ')
if [ "$got" = "--public_key " ]; then ok "completion: the underscore spelling"; else bad "completion of --public_: '$got'"; fi
got=$(comp "$prog" digest model --hasher "''" | tr '\n' ' ')
if [ "$got" = "auto cpu gpu hybrid " ]; then ok "completion: --hasher's values"; else bad "completion of --hasher: '$got'"; fi
got=$(comp "$prog" digest model --hash "''" | tr '\n' ' ')
if [ "$got" = "sha256 blake2b blake3 " ]; then ok "completion: --hash's values"; else bad "completion of --hash: '$got'"; fi
got=$(comp "$prog" sign "''" | sort | tr '\n' ' ')
want=$("$OMSIG" sign --help | sed -n '/^Commands:/,/^$/ s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' | grep -vx sigstore | sort | tr '\n' ' ')
if [ -n "$want" ] && [ "$got" = "$want" ]; then
    ok "completion: sign's methods ($got)"
else
    bad "completion of 'sign ': '$got', want '$want'"
fi

summary
