#!/usr/bin/env bash
# Disk usage check: is there room on the filesystem that holds a path?
#
# A pre-deploy gate ("is there space for the new release?") or a periodic
# probe. It reads the filesystem's usage with df and fails when it is fuller
# than allowed, has too little free space, or (optionally) too few free inodes.
# Note that inside the Stella Script sandbox it sees the sandbox's own mounts
# (/, /work, /tmp); point it at a mount the container can see.
#
# Arguments (args.json, all strings):
#   path               "/work"  a file or directory on the filesystem to check
#   max_percent        "90"     highest acceptable usage, 0-100 (df's Use%)
#   min_free_mb        ""       least acceptable free space in MiB (none: not checked)
#   max_inode_percent  ""       highest acceptable inode usage, 0-100 (none: not checked;
#                               skipped on filesystems that report no inodes)
#
# Output (stdout, JSON):
#   {"path": "/work", "filesystem": "...", "mount_point": "/work", "fs_type": "ext4",
#    "size_kb": 1000, "used_kb": 400, "available_kb": 600, "used_percent": 40,
#    "inodes_used_percent": 3|null, "max_percent": 90, "min_free_mb": null,
#    "max_inode_percent": null, "healthy": true, "problems": ["..."]}
#
# Exit codes: 0 healthy, 1 a check failed, 2 bad arguments (including a path
# that does not exist; message on stderr, nothing on stdout).
set -euo pipefail

ARGS_FILE=/scripts/args.json
KNOWN_ARGUMENTS='["path","max_percent","min_free_mb","max_inode_percent"]'

bad_arguments() {
    echo "disk_usage_check: bad arguments: $*" >&2
    exit 2
}

args='{}'
if [[ -f $ARGS_FILE ]]; then
    args=$(<"$ARGS_FILE")
    jq -e 'type == "object"' >/dev/null 2>&1 <<<"$args" || bad_arguments "$ARGS_FILE must hold a JSON object"
fi
unknown=$(jq -r --argjson known "$KNOWN_ARGUMENTS" '(keys - $known) | join(", ")' <<<"$args")
[[ -z $unknown ]] || bad_arguments "unknown argument(s): $unknown; known: $(jq -r 'join(", ")' <<<"$KNOWN_ARGUMENTS")"

# arg NAME DEFAULT: the argument's value, or DEFAULT when it is missing or empty.
arg() {
    local value
    value=$(jq -r --arg name "$1" '.[$name] // "" | tostring' <<<"$args")
    printf '%s' "${value:-$2}"
}

# integer NAME VALUE MAX: VALUE as a plain decimal, checked to be within 0..MAX ("" for no maximum).
integer() {
    [[ $2 =~ ^[0-9]{1,15}$ ]] || bad_arguments "$1 must be a whole number, got '$2'"
    local value=$((10#$2))
    [[ -z $3 || $value -le $3 ]] || bad_arguments "$1 must be between 0 and $3, got '$2'"
    echo "$value"
}

path=$(arg path /work)
max_percent=$(integer max_percent "$(arg max_percent 90)" 100)
min_free_mb=$(arg min_free_mb "")
[[ -z $min_free_mb ]] || min_free_mb=$(integer min_free_mb "$min_free_mb" "")
max_inode_percent=$(arg max_inode_percent "")
[[ -z $max_inode_percent ]] || max_inode_percent=$(integer max_inode_percent "$max_inode_percent" 100)
[[ -e $path ]] || bad_arguments "path '$path' does not exist (or is not visible in the sandbox)"

# Numbers first, the mount point last: it is the only field that may contain spaces.
if ! usage=$(df -k --output=size,used,avail,pcent,ipcent,fstype,target -- "$path" 2>&1 | tail -n 1); then
    bad_arguments "df cannot read the filesystem of '$path': $usage"
fi
read -r size_kb used_kb available_kb used_percent inodes_percent fs_type mount_point <<<"$usage"
filesystem=$(df -k --output=source -- "$path" | tail -n 1)
used_percent=${used_percent%\%}
inodes_percent=${inodes_percent%\%}
[[ $inodes_percent =~ ^[0-9]+$ ]] || inodes_percent=""

problems=()
if ((used_percent > max_percent)); then
    problems+=("usage is ${used_percent}%, above the maximum of ${max_percent}%")
fi
if [[ -n $min_free_mb ]] && ((available_kb < min_free_mb * 1024)); then
    problems+=("$((available_kb / 1024)) MiB free, below the minimum of ${min_free_mb} MiB")
fi
if [[ -n $max_inode_percent && -n $inodes_percent ]] && ((inodes_percent > max_inode_percent)); then
    problems+=("inode usage is ${inodes_percent}%, above the maximum of ${max_inode_percent}%")
fi

jq -n \
    --arg path "$path" --arg filesystem "$filesystem" --arg mount_point "$mount_point" --arg fs_type "$fs_type" \
    --argjson size_kb "$size_kb" --argjson used_kb "$used_kb" --argjson available_kb "$available_kb" \
    --argjson used_percent "$used_percent" --arg inodes_percent "$inodes_percent" \
    --argjson max_percent "$max_percent" --arg min_free_mb "$min_free_mb" --arg max_inode_percent "$max_inode_percent" \
    '{path: $path, filesystem: $filesystem, mount_point: $mount_point, fs_type: $fs_type,
      size_kb: $size_kb, used_kb: $used_kb, available_kb: $available_kb, used_percent: $used_percent,
      inodes_used_percent: (if $inodes_percent == "" then null else ($inodes_percent | tonumber) end),
      max_percent: $max_percent,
      min_free_mb: (if $min_free_mb == "" then null else ($min_free_mb | tonumber) end),
      max_inode_percent: (if $max_inode_percent == "" then null else ($max_inode_percent | tonumber) end),
      healthy: ($ARGS.positional | length == 0), problems: $ARGS.positional}' \
    --args ${problems[@]+"${problems[@]}"}

((${#problems[@]} == 0)) || exit 1
