#!/usr/bin/env bash
# Service restart: restart a service through its service manager's API, then
# make sure it came back — a new process that stays up and, optionally,
# answers its health URL.
#
# The service manager is Supervisor (supervisord), through the XML-RPC API of
# its [inet_http_server]: a script in a sandboxed container has no systemd bus
# to talk to, while Supervisor's API is plain HTTP (curl). The steps —
# stop, start, wait until running, check a health URL — are the same for any
# service manager with an API. Run it with network "host" (or "bridge") to
# reach the manager.
#
# /// stellascript
# [parameters.supervisor_url]
# type = "string"
# required = true
# pattern = "https?://.+"
# description = "Supervisor's HTTP server, e.g. http://127.0.0.1:9001"
# [parameters.service]
# type = "string"
# required = true
# pattern = "[A-Za-z0-9_.:-]+"
# description = "The program to restart (group:name for a program in a group)"
# [parameters.username]
# type = "string"
# default = ""
# description = "Supervisor's [inet_http_server] username (empty: no authentication)"
# [parameters.password]
# type = "secret"
# description = "A secret holding Supervisor's password"
# [parameters.health_url]
# type = "string"
# default = ""
# description = "A URL that must answer 2xx once the service is back (empty: not checked)"
# [parameters.timeout_s]
# type = "integer"
# default = 30
# minimum = 1
# maximum = 600
# description = "How long the health URL may take to answer after the restart"
# ///
#
# Arguments: the parameters above (in /scripts/args.json, checked before the run).
# Output: a ✓/✗ line per step; $STELLASCRIPT_OUTPUT gets {service, restarted,
# healthy, state, pid_before, pid_after, health_status, error}.
# Exit codes: 0 restarted and healthy, 1 the restart or the health check
# failed, 2 the service manager could not be asked (unreachable, refused the
# credentials, unknown service).
set -euo pipefail

args=/scripts/args.json
manager=$(jq -r '.supervisor_url' "$args")
service=$(jq -r '.service' "$args")
username=$(jq -r '.username // ""' "$args")
password_secret=$(jq -r '.password // ""' "$args")
health_url=$(jq -r '.health_url // ""' "$args")
timeout_s=$(jq -r '.timeout_s // "30"' "$args")

# Credentials go in a curl config file, not on a command line.
curl_config=/tmp/supervisor.curl
: > "$curl_config"
if [[ -n $username ]]; then
    password=""
    [[ -z $password_secret ]] || password=$(<"/run/secrets/$password_secret")
    printf 'user = "%s:%s"\n' "$username" "${password//\"/\\\"}" > "$curl_config"
fi

# The ✓/✗ lines go to fd 3 (stdout): rpc's answers are captured by $(...), its failures must still be seen.
exec 3>&1
pid_before=null pid_after=null state="" health_status=null
finish() { # finish EXIT_CODE RESTARTED HEALTHY ERROR
    jq -n --arg service "$service" --argjson restarted "$2" --argjson healthy "$3" --arg state "$state" \
        --argjson pid_before "$pid_before" --argjson pid_after "$pid_after" \
        --argjson health_status "$health_status" --arg error "$4" \
        '{service: $service, restarted: $restarted, healthy: $healthy, state: $state, pid_before: $pid_before,
          pid_after: $pid_after, health_status: $health_status, error: (if $error == "" then null else $error end)}' \
        > "${STELLASCRIPT_OUTPUT:-/dev/null}"
    exit "$1"
}

# rpc METHOD ARG...: call a Supervisor method with string/boolean arguments; the answer on one line.
rpc() {
    local method=$1 params="" value answer
    shift
    for value in "$@"; do
        case $value in
            true | false) params+="<param><value><boolean>$([[ $value == true ]] && echo 1 || echo 0)</boolean></value></param>" ;;
            *) params+="<param><value><string>$value</string></value></param>" ;;
        esac
    done
    if ! answer=$(curl --silent --show-error --fail --max-time 120 --config "$curl_config" \
        --header 'Content-Type: text/xml' --data-binary \
        "<?xml version=\"1.0\"?><methodCall><methodName>supervisor.$method</methodName><params>$params</params></methodCall>" \
        "${manager%/}/RPC2" 2>&1); then
        echo "✗ cannot reach Supervisor at $manager: $answer" >&3
        finish 2 false false "cannot reach Supervisor at $manager: $answer"
    fi
    tr -d '\n' <<<"$answer"
}

# member NAME ANSWER: a member of the answer's struct (a fault's faultString too).
member() {
    sed -nE "s|.*<name>$1</name>[[:space:]]*<value>(<[a-z0-9.]+>)?([^<]*).*|\2|p" <<<"$2"
}

info=$(rpc getProcessInfo "$service")
if [[ $info == *"<fault>"* ]]; then
    fault=$(member faultString "$info")
    echo "✗ Supervisor does not know $service: $fault"
    finish 2 false false "$fault"
fi
pid_before=$(member pid "$info")
echo "✓ $service is $(member statename "$info") (pid $pid_before)"

if [[ $(member statename "$info") == RUNNING ]]; then
    answer=$(rpc stopProcess "$service" true)
    if [[ $answer == *"<fault>"* ]]; then
        echo "✗ could not stop $service: $(member faultString "$answer")"
        finish 1 false false "could not stop: $(member faultString "$answer")"
    fi
    echo "✓ stopped $service"
fi

# With wait=true Supervisor answers once the program has stayed up for its startsecs,
# or with a fault when it exited before (ABNORMAL_TERMINATION, SPAWN_ERROR).
answer=$(rpc startProcess "$service" true)
info=$(rpc getProcessInfo "$service")
state=$(member statename "$info")
if [[ $answer == *"<fault>"* ]]; then
    fault=$(member faultString "$answer")
    # Supervisor may answer the fault before it leaves STARTING: report the state it settles in.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        [[ $state == STARTING ]] || break
        sleep 0.5
        state=$(member statename "$(rpc getProcessInfo "$service")")
    done
    echo "✗ $service did not start: $fault (now $state)"
    finish 1 false false "did not start: $fault"
fi
pid_after=$(member pid "$info")
if [[ $state != RUNNING || $pid_after == "$pid_before" ]]; then
    echo "✗ $service is $state with pid $pid_after after the restart"
    finish 1 false false "$state after the restart"
fi
echo "✓ $service is RUNNING again (pid $pid_before → $pid_after)"

if [[ -n $health_url ]]; then
    deadline=$((SECONDS + timeout_s))
    while :; do
        health_status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 5 "$health_url" || true)
        [[ $health_status =~ ^2 ]] && break
        if ((SECONDS >= deadline)); then
            echo "✗ $health_url answered ${health_status:-nothing} within ${timeout_s} s of the restart"
            health_status=$((10#${health_status:-0}))
            finish 1 true false "health check failed: ${health_status}"
        fi
        sleep 0.5
    done
    echo "✓ $health_url answers $health_status"
fi
finish 0 true true ""
