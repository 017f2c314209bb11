"""Python: what a script asks for — PEP 723 blocks, declared dependencies,
merging and conflicts. (Resolution with the real pip: test_derived.py.)"""

from __future__ import annotations

import pytest

from jupyter_stellascript.dependencies import DependencyError, resolver_for
from jupyter_stellascript.dependencies.python import PYTHON, lock_file_text, read_inline_metadata
from jupyter_stellascript.dependencies.models import LockedPackage, Lock

PEP723_EXAMPLE = """\
# /// script
# requires-python = ">=3.11"
# dependencies = [
#   "requests<3",
#   "rich",
# ]
# ///

import requests
"""


def requirements(source: str, declared: list[dict] | None = None) -> tuple[str, ...]:
    return PYTHON.requirements(source, declared or [])


def test_the_peps_own_example_is_read():
    metadata = read_inline_metadata(PEP723_EXAMPLE)
    assert metadata == {"requires-python": ">=3.11", "dependencies": ["requests<3", "rich"]}
    assert requirements(PEP723_EXAMPLE) == ("requests<3", "rich", "requires-python >=3.11")


def test_no_block_and_other_block_types_mean_no_dependencies():
    assert read_inline_metadata("print('hi')\n") is None
    assert requirements("# /// pyproject\n# x = 1\n# ///\nprint(1)\n") == ()
    # A block in a string is not at the start of a line's comment: not metadata.
    assert requirements("text = '''\n#/// script\n'''\n") == ()


def test_inline_and_declared_are_merged_and_normalized():
    source = '# /// script\n# dependencies = ["Six>=1.10", "attrs"]\n# ///\n'
    declared = [{"name": "six", "version": "<2", "scope": "runtime"}, {"name": "idna", "version": "3.6"},
                {"name": "pytest", "version": "", "scope": "test"}]  # test scope: not installed to run
    assert requirements(source, declared) == ("attrs", "idna==3.6", "six<2,>=1.10")


def test_the_same_set_written_differently_has_one_normalized_form():
    one = requirements('# /// script\n# dependencies = ["six", "ATTRS>=23"]\n# ///\n')
    other = requirements("print(1)\n", [{"name": "attrs", "version": ">=23"}, {"name": "Six"}])
    assert one == other == ("attrs>=23", "six")


@pytest.mark.parametrize(("source", "needle"), [
    ('# /// script\n# dependencies = ["six"\nprint(1)\n', "opened on line 1 is malformed"),
    ('# /// script\n# dependencies = ["six"]\nprint(1)\n', "opened on line 1 is malformed"),
    ('# /// script\n# dependencies = ["six"\n# ///\n', "not valid TOML"),
    ('# /// script\n# dependencies = "six"\n# ///\n', "must be a list of strings"),
    ('# /// script\n# dependencies = ["six ==="]\n# ///\n', "'six ===' is not a valid requirement"),
    ('# /// script\n# dependencies = ["six @ https://example.org/six.whl"]\n# ///\n', "points at a URL"),
    ('# /// script\n# dependencies = []\n# ///\nx = 1\n# /// script\n# dependencies = []\n# ///\n', "2 '# /// script' blocks"),
])
def test_malformed_inline_blocks_are_clear_errors(source, needle):
    with pytest.raises(DependencyError) as caught:
        requirements(source)
    assert needle in str(caught.value)
    assert caught.value.kind == "malformed"


def test_a_declared_version_that_is_not_a_pip_specifier_is_refused():
    with pytest.raises(DependencyError) as caught:
        requirements("print(1)\n", [{"name": "six", "version": "^1.2"}])
    assert "'^1.2' of 'six' is not a pip version specifier" in str(caught.value)


@pytest.mark.parametrize(("inline", "declared"), [
    ("six==1.16.0", "1.17.0"),
    ("six==1.16.0", ">=1.17"),
    ("attrs>=23", "==22.1.0"),
])
def test_conflicting_versions_name_the_package_and_both_origins(inline, declared):
    source = f'# /// script\n# dependencies = ["{inline}"]\n# ///\n'
    with pytest.raises(DependencyError) as caught:
        requirements(source, [{"name": inline.split("=")[0].split(">")[0], "version": declared}])
    message = str(caught.value)
    assert caught.value.kind == "conflict" and caught.value.package in message
    assert "'# /// script' block" in message and "declared dependencies" in message


def test_equal_pins_written_differently_are_not_a_conflict():
    assert requirements('# /// script\n# dependencies = ["six==1.16"]\n# ///\n', [{"name": "six", "version": "1.16.0"}]) \
        == ("six==1.16,==1.16.0",)


def test_the_lock_file_pins_every_package_with_its_hashes():
    packages = [LockedPackage("six", "1.17.0", ("sha256:" + "b" * 64,)), LockedPackage("attrs", "23.2.0", ("sha256:" + "a" * 64,))]
    text = lock_file_text(packages)
    assert text.splitlines()[1:] == [
        "attrs==23.2.0 \\", "    --hash=sha256:" + "a" * 64,
        "six==1.17.0 \\", "    --hash=sha256:" + "b" * 64,
    ]
    lock = Lock("python", ("six",), tuple(packages), text)
    assert Lock.from_json(lock.to_json()) == lock
    tampered = {**lock.to_dict(), "lock_file": text.replace("1.17.0", "1.16.0")}
    with pytest.raises(ValueError, match="does not match its SHA-256"):
        Lock.from_dict(tampered)


def test_languages_without_a_resolver_say_so():
    with pytest.raises(DependencyError, match="not supported for cobol yet"):
        resolver_for("cobol")


# -- wheels only, unless the script allows source distributions ------------------------

ALLOWING = '# /// script\n# dependencies = ["docopt"]\n# [tool.stellascript]\n# allow-sdist = true\n# ///\n'


def test_wheels_only_by_default_and_the_opt_in_is_part_of_the_set():
    from jupyter_stellascript.dependencies.models import DependencySettings
    from jupyter_stellascript.dependencies.python_wheels import ALLOW_SDIST, format_options
    plain = requirements('# /// script\n# dependencies = ["docopt"]\n# ///\n')
    allowing = requirements(ALLOWING)
    assert plain == ("docopt",) and allowing == ("docopt", ALLOW_SDIST)
    assert "--only-binary" in PYTHON.command("https://pypi.org/simple", DependencySettings(), plain)
    argv = PYTHON.command("https://pypi.org/simple", DependencySettings(), allowing)
    assert "--only-binary" not in argv and "--prefer-binary" in argv
    assert format_options(()) == ["--only-binary", ":all:"]


@pytest.mark.parametrize(("table", "needle"), [
    ("# allow-sdist = \"yes\"\n", "allow-sdist must be true or false"),
    ("# build = true\n", "unknown [tool.stellascript] key(s) build"),
])
def test_a_malformed_stellascript_table_is_a_clear_error(table, needle):
    source = f'# /// script\n# dependencies = ["six"]\n# [tool.stellascript]\n{table}# ///\n'
    with pytest.raises(DependencyError) as caught:
        requirements(source)
    assert caught.value.kind == "malformed" and needle in str(caught.value)
