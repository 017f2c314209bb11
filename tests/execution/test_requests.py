"""Each rule about what a run may ask for lives in one place; one test per rule.

- NUL bytes and size: fields.check_source (every model with a script's text)
- entry point: fields.resolve_entry_point
- arguments and environment: fields.Arguments / fields.Environment
- timeout: positive (fields.Seconds); default and maximum (RunPolicy)
- limits: memory and cpus bounds (fields), server maxima and defaults (RunPolicy)
- network mode: RunPolicy.check_network
These need no container: they hold before anything runs.
"""

from __future__ import annotations

import pytest

from jupyter_stellascript.config import StellaScript
from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.execution.fields import MAX_SOURCE_BYTES, InvalidRequest, parse
from jupyter_stellascript.execution.models import ExecutionRequest, NetworkMode
from jupyter_stellascript.execution.policy import RunPolicy
from jupyter_stellascript.execution.requests import AdhocBody, ExecuteBody
from jupyter_stellascript.languages import get_language
from jupyter_stellascript.registry.requests import ScriptCreate

MIB = 1024 * 1024


def fields_of(error: ValidationFailed) -> dict[str, str]:
    return {problem["field"]: problem["message"] for problem in error.errors}


def refused(model, body: dict) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as failure:
        parse(model, body)
    return fields_of(failure.value)


# -- NUL bytes and size: the same rule for a script, an ad-hoc body and the engine's request


@pytest.mark.parametrize("text", ["print(1)\0", "#" * MAX_SOURCE_BYTES + "é"], ids=["nul", "too-big-in-utf8"])
def test_nul_bytes_and_oversized_text_are_refused_everywhere(text):
    assert "content" in refused(ScriptCreate, {"name": "n", "language": "python", "content": text})
    assert "content" in refused(AdhocBody, {"language": "python", "content": text})
    with pytest.raises(InvalidRequest) as failure:
        ExecutionRequest(language="python", source=text)
    assert set(fields_of(failure.value)) == {"source"}
    exactly = "#" * MAX_SOURCE_BYTES
    assert ExecutionRequest(language="python", source=exactly).source == exactly


# -- entry point: computed once, from the same function for every model


def test_the_entry_point_defaults_from_the_source_and_is_checked():
    java = "public class Greeter { public static void main(String[] a) {} }\n"
    assert ExecutionRequest(language="java", source=java).entry_point == "Greeter.java"
    assert parse(AdhocBody, {"language": "java", "content": java}).entry_point == "Greeter.java"
    assert parse(ScriptCreate, {"name": "g", "language": "java", "content": java}).entry_point == "Greeter.java"
    assert parse(AdhocBody, {"language": "bash", "content": "echo\n"}).entry_point == "script.sh"
    for bad in ("../x.py", "a/b.py", "x.sh"):
        assert set(refused(AdhocBody, {"language": "python", "content": "print(1)\n", "entry_point": bad})) == {"entry_point"}
        assert set(refused(ScriptCreate, {"name": "n", "language": "python", "content": "print(1)\n", "entry_point": bad})) == {"entry_point"}


# -- arguments and environment


def test_arguments_and_environment_are_string_maps_with_valid_names():
    problems = refused(ExecuteBody, {"arguments": {"count": 3}, "environment": {"A=B": "x"}})
    assert problems == {"arguments": "argument 'count' must map a string to a string",
                        "environment": "environment variable name 'A=B' is not valid"}
    assert set(refused(ExecuteBody, {"arguments": ["a"]})) == {"arguments"}
    # Bodies with NUL text are refused before they are parsed (handlers/bodies.py); requests made otherwise are not spared.
    assert refused(ExecuteBody, {"arguments": {"a": "x\0"}, "environment": {"": "v"}}) == {
        "arguments": "the value of argument 'a' contains a NUL byte; values must be text without NUL bytes",
        "environment": "environment variable names must not be empty"}
    assert parse(ExecuteBody, {"arguments": None, "environment": {"K": "v"}}).arguments == {}


# -- timeout


def test_the_timeout_is_positive_defaults_per_language_and_is_bounded_by_the_server():
    assert set(refused(ExecuteBody, {"timeout": 0})) == {"timeout"}
    assert set(refused(ExecuteBody, {"timeout": True})) == {"timeout"}
    assert set(refused(ExecuteBody, {"timeout": "5"})) == {"timeout"}
    policy = RunPolicy(language_timeouts={"bash": 2.0}, max_timeout_s=1000)
    bash = policy.resolve(ExecutionRequest(language="bash", source="echo\n"))
    python = policy.resolve(ExecutionRequest(language="python", source="print(1)\n"))
    assert (bash.timeout_s, python.timeout_s) == (2.0, get_language("python").default_timeout_s)
    assert policy.resolve(bash) == bash, "resolving again changes nothing"
    with pytest.raises(InvalidRequest) as failure:
        policy.resolve(ExecutionRequest(language="bash", source="echo\n", timeout_s=1001))
    assert fields_of(failure.value) == {"timeout": "timeout must be a number of seconds in (0, 1000]"}


def test_a_syntax_check_is_not_bounded_by_the_longest_timeout_a_caller_may_ask_for():
    policy = RunPolicy(max_timeout_s=10)
    check = ExecutionRequest(language="bash", source="echo\n", timeout_s=120, check_only=True)
    assert policy.resolve(check).timeout_s == 120
    with pytest.raises(InvalidRequest):
        policy.resolve(check.model_copy(update={"check_only": False}))


# -- limits


def test_memory_and_cpus_are_parsed_bounded_and_applied():
    body = parse(AdhocBody, {"language": "bash", "content": "echo\n", "memory": "256m", "cpus": 0.5})
    assert (body.memory, body.cpus) == (256 * MIB, 0.5)
    assert parse(ExecuteBody, {"memory": 64 * MIB}).memory == 64 * MIB
    assert refused(ExecuteBody, {"memory": "1k", "cpus": 100}) == {
        "memory": "memory limit must be at least 16 MiB", "cpus": "cpus must be between 0.01 and 64"}
    assert set(refused(ExecuteBody, {"memory": "lots"})) == {"memory"}
    assert set(refused(ExecuteBody, {"memory": True})) == {"memory"}

    policy = RunPolicy(max_memory_bytes=512 * MIB, max_cpus=2)
    with pytest.raises(InvalidRequest) as failure:
        policy.resolve(ExecuteBody(memory="1g", cpus=4).request("bash", "echo\n", None))
    problems = fields_of(failure.value)
    assert set(problems) == {"memory", "cpus"}
    assert "max_memory" in problems["memory"] and "max_cpus" in problems["cpus"]
    limits = policy.limits_for(get_language("bash"), 256 * MIB, 1.5)
    assert (limits.memory_bytes, limits.cpus) == (256 * MIB, 1.5)
    # No override: the language's defaults, with /work and /tmp fitted into its memory.
    bash_defaults = get_language("bash").default_limits
    assert policy.limits_for(get_language("bash")) == bash_defaults.with_overrides()
    assert (policy.limits_for(get_language("bash")).memory_bytes, policy.limits_for(get_language("bash")).cpus) == (
        bash_defaults.memory_bytes, bash_defaults.cpus)
    assert policy.limits_for(get_language("bash")).work_bytes == bash_defaults.memory_bytes // 2


def test_a_runs_disk_is_its_work_size_at_most_half_its_memory():
    assert parse(ExecuteBody, {"disk": "32m"}).disk == 32 * MIB
    assert refused(ExecuteBody, {"disk": "1k"}) == {"disk": "disk must be at least 1 MiB"}
    assert set(refused(ExecuteBody, {"disk": ["64m"]})) == {"disk"}
    policy = RunPolicy()
    bash = get_language("bash")
    resolved = policy.resolve(ExecuteBody(disk="40m", memory="128m").request("bash", "echo\n", None))
    assert policy.limits_for(bash, resolved.memory_bytes, None, resolved.disk_bytes).work_bytes == 40 * MIB
    # /work's pages are the run's memory: more than half of it is refused, naming both.
    with pytest.raises(InvalidRequest) as failure:
        policy.resolve(ExecuteBody(disk="100m", memory="128m").request("bash", "echo\n", None))
    assert "disk 100 MiB is more than half the run's memory of 128 MiB" in fields_of(failure.value)["disk"]
    # Without a memory of its own, the language's memory is the bound.
    with pytest.raises(InvalidRequest):
        policy.resolve(ExecuteBody(disk=bash.default_limits.memory_bytes).request("bash", "echo\n", None))


def test_configured_maxima_and_limits_reach_the_policy():
    config = StellaScript(max_memory="1g", max_cpus=2, max_timeout="10m", default_timeouts={"go": "7s"},
                          resource_limits={"bash": {"memory": "128m", "cpu": "0.25"}})
    policy = config.run_policy()
    assert (policy.max_memory_bytes, policy.max_cpus, policy.max_timeout_s) == (1024 * MIB, 2, 600)
    assert policy.timeout_for(get_language("go")) == 7
    assert (policy.limits_for(get_language("bash")).memory_bytes, policy.limits_for(get_language("bash")).cpus) == (128 * MIB, 0.25)
    assert config.engine_settings(policy).policy is policy


# -- network mode


def test_the_network_mode_defaults_from_the_server_and_host_needs_permission():
    assert refused(ExecuteBody, {"network_mode": "wifi"}).keys() == {"network_mode"}
    request = ExecutionRequest(language="bash", source="echo\n")
    assert RunPolicy().resolve(request).network_mode is NetworkMode.NONE
    assert RunPolicy(default_network_mode=NetworkMode.BRIDGE).resolve(request).network_mode is NetworkMode.BRIDGE
    with pytest.raises(InvalidRequest) as failure:
        RunPolicy().resolve(request.model_copy(update={"network_mode": NetworkMode.HOST}))
    assert "allow_host_network" in fields_of(failure.value)["network_mode"]
    assert RunPolicy(allow_host_network=True).resolve(
        request.model_copy(update={"network_mode": NetworkMode.HOST})).network_mode is NetworkMode.HOST
    with pytest.raises(ValueError, match="allow_host_network"):
        RunPolicy(default_network_mode=NetworkMode.HOST)
