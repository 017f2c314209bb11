#!/usr/bin/env bash
# Backup verify: are the backups in a backup folder recent, big enough and intact?
#
# Reads the folder's listing over HTTP(S) (an nginx/Apache autoindex, a
# `python3 -m http.server`, an object store's static website), keeps the files
# whose names match a pattern, and checks that enough of them exist, that the
# newest is younger than allowed (its Last-Modified time), that none is
# smaller than allowed, and that the newest matches its `<file>.sha256`
# (sha256sum's format) when one sits beside it. Run it with network "host"
# (or "bridge") to reach the backup server.
#
# /// stellascript
# [parameters.backup_url]
# type = "string"
# required = true
# pattern = "https?://.+/"
# description = "URL of the backup folder's listing (ends with /)"
# [parameters.pattern]
# type = "string"
# default = '.*\.(tar\.gz|tgz|zip|dump|sql\.gz)$'
# description = "Extended regular expression the backup files' names match"
# [parameters.max_age_hours]
# type = "number"
# default = 26
# minimum = 0
# description = "The newest backup must be younger than this"
# [parameters.min_size_bytes]
# type = "integer"
# default = 1
# minimum = 0
# description = "Every backup must be at least this big"
# [parameters.min_count]
# type = "integer"
# default = 1
# minimum = 1
# description = "At least this many backups must be kept"
# [parameters.verify_checksum]
# type = "boolean"
# default = true
# description = "Download the newest backup and compare it with its .sha256 file, when there is one"
# [parameters.auth_token]
# type = "secret"
# description = "A secret holding a bearer token for the backup server (optional)"
# ///
#
# Arguments: the parameters above (in /scripts/args.json, checked before the run).
# Output: a ✓/✗ line per check and per stale or small file; $STELLASCRIPT_OUTPUT
# gets {healthy, count, newest: {name, age_hours, size_bytes}, stale: [...],
# too_small: [...], checksum: "ok"|"mismatch"|"absent"|"skipped", problems}.
# Exit codes: 0 healthy, 1 a check failed, 2 the folder could not be read.
set -euo pipefail

args=/scripts/args.json
url=$(jq -r '.backup_url' "$args")
pattern=$(jq -r '.pattern // ""' "$args")
max_age_hours=$(jq -r '.max_age_hours // "26"' "$args")
min_size=$(jq -r '.min_size_bytes // "1"' "$args")
min_count=$(jq -r '.min_count // "1"' "$args")
verify=$(jq -r '.verify_checksum // "true"' "$args")
token_secret=$(jq -r '.auth_token // ""' "$args")

curl_options=(--silent --show-error --fail --max-time 30)
if [[ -n $token_secret ]]; then
    # The secret arrives as a file (never an argument or a log line): curl reads the header from it.
    printf 'Authorization: Bearer %s\n' "$(<"/run/secrets/$token_secret")" > /tmp/auth-header
    curl_options+=(--header @/tmp/auth-header)
fi

if ! listing=$(curl "${curl_options[@]}" "$url" 2>&1); then
    echo "✗ cannot read the backup folder $url: $listing"
    exit 2
fi

# The listing's links: files only (no parent, no subfolders, no query links), decoded names.
mapfile -t names < <(grep -oE 'href="[^"?#]+"' <<<"$listing" | sed -E 's/^href="(.*)"$/\1/' |
    grep -vE '(^\.\.?/?$|/$|^[a-z]+:)' | sed -E 's|.*/||' | sort -u)
backups=()
for name in ${names[@]+"${names[@]}"}; do
    decoded=$(printf '%b' "${name//%/\\x}")
    [[ $decoded =~ $pattern ]] && backups+=("$name")
done

now=$(date +%s)
problems=()
stale=()
too_small=()
newest="" newest_time=0 newest_size=0
for name in ${backups[@]+"${backups[@]}"}; do
    if ! headers=$(curl "${curl_options[@]}" --head "$url$name" 2>&1 | tr -d '\r'); then
        echo "✗ cannot read $name: $headers"
        problems+=("cannot read $name")
        continue
    fi
    modified=$(sed -n 's/^[Ll]ast-[Mm]odified: //p' <<<"$headers")
    size=$(sed -n 's/^[Cc]ontent-[Ll]ength: //p' <<<"$headers")
    modified_at=$(date -d "$modified" +%s)
    age_hours=$(jq -n "($now - $modified_at) / 3600 | . * 10 | round / 10")
    if ((modified_at > newest_time)); then
        newest=$name newest_time=$modified_at newest_size=${size:-0}
    fi
    if jq -e -n "$age_hours > $max_age_hours" >/dev/null; then
        stale+=("$name")
        echo "  $name is ${age_hours} h old"
    fi
    if ((${size:-0} < min_size)); then
        too_small+=("$name")
        echo "✗ $name has ${size:-0} bytes, at least $min_size expected"
        problems+=("$name has ${size:-0} bytes, at least $min_size expected")
    fi
done

count=${#backups[@]}
if ((count >= min_count)); then
    echo "✓ $count backups match '$pattern' (at least $min_count needed)"
else
    echo "✗ $count backups match '$pattern', at least $min_count needed"
    problems+=("$count backups, at least $min_count needed")
fi

newest_age=null checksum=skipped
if [[ -n $newest ]]; then
    newest_age=$(jq -n "($now - $newest_time) / 3600 | . * 10 | round / 10")
    if jq -e -n "$newest_age <= $max_age_hours" >/dev/null; then
        echo "✓ the newest backup, $newest, is $newest_age h old (at most $max_age_hours h allowed)"
    else
        echo "✗ the newest backup, $newest, is $newest_age h old, at most $max_age_hours h allowed"
        problems+=("the newest backup is $newest_age h old, at most $max_age_hours h allowed")
    fi
    if [[ $verify == true ]]; then
        if expected=$(curl "${curl_options[@]}" "$url$newest.sha256" 2>/dev/null); then
            actual=$(curl "${curl_options[@]}" "$url$newest" | sha256sum | cut -d' ' -f1) || actual="(unreadable)"
            if [[ ${expected%% *} == "$actual" ]]; then
                checksum=ok
                echo "✓ $newest matches its SHA-256 ($actual)"
            else
                checksum=mismatch
                echo "✗ $newest does not match its .sha256 file: $actual, expected ${expected%% *}"
                problems+=("$newest does not match its .sha256 file")
            fi
        else
            checksum=absent
            echo "  $newest has no .sha256 file beside it; not verified"
        fi
    fi
fi

jq -n --argjson count "$count" --arg newest "$newest" --argjson newest_age "$newest_age" \
    --argjson newest_size "$newest_size" --arg checksum "$checksum" \
    --argjson stale "$(jq -n '$ARGS.positional' --args ${stale[@]+"${stale[@]}"})" \
    --argjson too_small "$(jq -n '$ARGS.positional' --args ${too_small[@]+"${too_small[@]}"})" \
    '{healthy: ($ARGS.positional | length == 0), count: $count,
      newest: (if $newest == "" then null else {name: $newest, age_hours: $newest_age, size_bytes: $newest_size} end),
      stale: $stale, too_small: $too_small, checksum: $checksum, problems: $ARGS.positional}' \
    --args ${problems[@]+"${problems[@]}"} > "${STELLASCRIPT_OUTPUT:-/dev/null}"

((${#problems[@]} == 0)) || exit 1
