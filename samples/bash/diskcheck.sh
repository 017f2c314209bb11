#!/usr/bin/env bash
# Disk space check: is there room on the filesystem that holds a path?
#
# A pre-deploy gate ("is there space for the new release?") or a periodic
# probe: it reads the filesystem's usage with df and fails when it is fuller
# than allowed, has too little free space, or too few free inodes. Inside the
# sandbox it sees the run's own mounts (/, /work, /tmp).
#
# /// stellascript
# [parameters.path]
# type = "string"
# default = "/work"
# description = "A file or folder on the filesystem to check"
# [parameters.max_percent]
# type = "integer"
# default = 90
# minimum = 0
# maximum = 100
# description = "Highest acceptable usage (df's Use%)"
# [parameters.min_free_mb]
# type = "integer"
# default = 0
# minimum = 0
# description = "Least acceptable free space in MiB (0: not checked)"
# [parameters.max_inode_percent]
# type = "integer"
# default = 100
# minimum = 0
# maximum = 100
# description = "Highest acceptable inode usage (skipped where the filesystem reports none)"
# ///
#
# Arguments: the parameters above (in /scripts/args.json, checked and with
# their defaults filled in before the run starts).
# Output: ✓/✗ lines; $STELLASCRIPT_OUTPUT gets {path, filesystem, mount_point,
# fs_type, size_kb, used_kb, available_kb, used_percent, inodes_used_percent,
# healthy, problems}.
# Exit codes: 0 healthy, 1 a check failed, 2 the path does not exist (or is
# not visible in the sandbox).
set -euo pipefail

args=/scripts/args.json
path=$(jq -r '.path // "/work"' "$args")
max_percent=$(jq -r '.max_percent // "90"' "$args")
min_free_mb=$(jq -r '.min_free_mb // "0"' "$args")
max_inode_percent=$(jq -r '.max_inode_percent // "100"' "$args")

if [[ ! -e $path ]]; then
    echo "✗ $path does not exist (or is not visible in the sandbox)" >&2
    exit 2
fi

# Numbers first, the mount point last: it is the only field that may contain spaces.
read -r size_kb used_kb available_kb used_percent inodes_percent fs_type mount_point \
    < <(df -k --output=size,used,avail,pcent,ipcent,fstype,target -- "$path" | tail -n 1)
filesystem=$(df -k --output=source -- "$path" | tail -n 1)
used_percent=${used_percent%\%}
inodes_percent=${inodes_percent%\%}
[[ $inodes_percent =~ ^[0-9]+$ ]] || inodes_percent=""

problems=()
# check OK TEXT: a ✓ or ✗ line; a failed check is also a problem.
check() {
    if [[ $1 == true ]]; then
        echo "✓ $2"
    else
        echo "✗ $2"
        problems+=("$2")
    fi
}

ok=$( ((used_percent <= max_percent)) && echo true || echo false)
check "$ok" "$mount_point ($fs_type) is ${used_percent}% used, at most ${max_percent}% allowed"
if ((min_free_mb > 0)); then
    ok=$( ((available_kb >= min_free_mb * 1024)) && echo true || echo false)
    check "$ok" "$((available_kb / 1024)) MiB free, at least ${min_free_mb} MiB needed"
fi
if [[ -n $inodes_percent ]] && ((max_inode_percent < 100)); then
    ok=$( ((inodes_percent <= max_inode_percent)) && echo true || echo false)
    check "$ok" "inodes ${inodes_percent}% used, at most ${max_inode_percent}% allowed"
fi

jq -n \
    --arg path "$path" --arg filesystem "$filesystem" --arg mount_point "$mount_point" --arg fs_type "$fs_type" \
    --argjson size_kb "$size_kb" --argjson used_kb "$used_kb" --argjson available_kb "$available_kb" \
    --argjson used_percent "$used_percent" --arg inodes_percent "$inodes_percent" \
    '{path: $path, filesystem: $filesystem, mount_point: $mount_point, fs_type: $fs_type,
      size_kb: $size_kb, used_kb: $used_kb, available_kb: $available_kb, used_percent: $used_percent,
      inodes_used_percent: (if $inodes_percent == "" then null else ($inodes_percent | tonumber) end),
      healthy: ($ARGS.positional | length == 0), problems: $ARGS.positional}' \
    --args ${problems[@]+"${problems[@]}"} > "${STELLASCRIPT_OUTPUT:-/dev/null}"

((${#problems[@]} == 0)) || exit 1
