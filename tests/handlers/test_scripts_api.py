"""The scripts REST API end to end: a real ``stellascript serve`` on SQLite and
on PostgreSQL, syntax checks by each language's real toolchain in its
runtime container. Nothing is mocked."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import pytest
import requests

from tests.servers import RunningServer, json_of

MIB = 1024 * 1024

VALID = {
    "python": "print('hi')\n",
    "bash": "echo hi\n",
    "go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
    "java": 'public class Greeter {\n    public static void main(String[] args) {\n        System.out.println("hi");\n    }\n}\n',
    "typescript": 'const greeting: string = "hi";\nconsole.log(greeting);\n',
    "csharp": 'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("hi");\n    }\n}\n',
}

DEFAULT_ENTRY_POINTS = {
    "python": "script.py",
    "bash": "script.sh",
    "go": "script.go",
    "java": "Greeter.java",
    "typescript": "script.ts",
    "csharp": "script.cs",
}

# language -> (source with one syntax error, its line, its column or None when
# the toolchain reports none). Each error sits on the line reported.
SYNTAX_ERRORS = {
    # `if x` lacks its colon; CPython points just past `x`.
    "python": ("x = 1\nif x\n    print(x)\n", 2, 5),
    # bash -n reports the unexpected `fi` with a line, never a column.
    "bash": ("echo ok\nfi\necho after\n", 2, None),
    # The call's closing parenthesis is missing at the end of line 6 (tab = 1 column).
    "go": ('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi"\n}\n', 6, 18),
    # The `;` is missing after the call on line 3 (javac's caret, column 33).
    "java": ('public class Greeter {\n    public static void main(String[] args) {\n'
             '        System.out.println("hi")\n    }\n}\n', 3, 33),
    # `(x +;`: the expression ends at the `;` in column 15.
    "typescript": ("const x: number = 1;\nconst y = (x +;\nconsole.log(y);\n", 2, 15),
    # `int x = ;`: mcs reports the unexpected `;` in column 16.
    "csharp": ('using System;\n\nclass Program {\n    static void Main() {\n        int x = ;\n'
               '        Console.WriteLine(x);\n    }\n}\n', 5, 16),
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def owner(server: RunningServer) -> str:
    return server.token("api-owner", teams=("api-team",))


def create(server: RunningServer, token: str, **fields) -> dict:
    body = {"name": unique("script"), "language": "bash", "content": "echo ok\n", **fields}
    response = server.request("POST", "/scripts", token=token, json=body)
    assert response.status_code == 201, response.text
    return json_of(response)


def assert_error(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, f"{response.status_code} {response.text[:1000]}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    body = json_of(response)
    assert body["status"] == status and body["message"]
    return body


def error_fields(body: dict) -> list[str]:
    return [error["field"] for error in body["errors"]]


# -- create, read, update ------------------------------------------------------------


def test_create_returns_every_field_and_reads_back(server, owner):
    name = unique("inventory-report")
    response = server.request("POST", "/scripts", token=owner, json={
        "name": name,
        "description": "Counts what is on the shelves",
        "language": "python",
        "content": VALID["python"],
        "dependencies": [{"name": "requests", "version": ">=2.31", "scope": "runtime"}, {"name": "pytest", "scope": "test"},
                         {"name": "wheel"}],
        "visibility": "team",
        "tags": ["reports", "nightly"],
    })
    assert response.status_code == 201, response.text
    script = json_of(response)
    uuid.UUID(script["id"])
    assert response.headers["Location"].endswith(f"/stellascript/api/v1/scripts/{script['id']}")
    assert response.headers["ETag"] == '"1.0.0"'
    assert {key: script[key] for key in ("name", "description", "language", "content", "entry_point", "version",
                                         "visibility", "tags", "created_by", "updated_at", "updated_by")} == {
        "name": name,
        "description": "Counts what is on the shelves",
        "language": "python",
        "content": VALID["python"],
        "entry_point": "script.py",
        "version": "1.0.0",
        "visibility": "team",
        "tags": ["reports", "nightly"],
        "created_by": "api-owner",
        "updated_at": None,
        "updated_by": None,
    }
    assert script["dependencies"] == [
        {"name": "requests", "version": ">=2.31", "scope": "runtime"},
        {"name": "pytest", "version": "", "scope": "test"},
        {"name": "wheel", "version": "", "scope": "runtime"},
    ]
    assert script["content_sha256"] == sha256(VALID["python"])
    assert script["created_at"].endswith("+00:00")

    fetched = server.request("GET", f"/scripts/{script['id']}", token=owner)
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["ETag"] == '"1.0.0"'
    # The create answer is the script as read back, and the save-time check's warnings (none here).
    assert json_of(fetched) == {key: value for key, value in script.items() if key != "warnings"} and script["warnings"] == []


def test_defaults_private_visibility_and_no_tags(server, owner):
    script = create(server, owner, name=unique("defaults"))
    assert script["visibility"] == "private"
    assert script["tags"] == [] and script["dependencies"] == [] and script["description"] == ""


@pytest.mark.parametrize("language", list(VALID))
def test_default_entry_point_per_language(server, owner, language):
    script = create(server, owner, language=language, content=VALID[language])
    assert script["entry_point"] == DEFAULT_ENTRY_POINTS[language]
    assert script["content"] == VALID[language]


def test_java_entry_point_follows_the_public_class_not_the_first_class(server, owner):
    content = ("class Helper {\n    static String word() { return \"hi\"; }\n}\n\n"
               "public class Greeter {\n    public static void main(String[] args) {\n"
               "        System.out.println(Helper.word());\n    }\n}\n")
    script = create(server, owner, language="java", content=content)
    assert script["entry_point"] == "Greeter.java"
    run = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner, json={})
    assert run.status_code == 200, run.text
    assert (json_of(run)["status"], json_of(run)["stdout"]) == ("Succeeded", "hi\n")


def test_explicit_entry_point_is_kept(server, owner):
    script = create(server, owner, language="python", content=VALID["python"], entry_point="report_tool.py")
    assert script["entry_point"] == "report_tool.py"
    updated = json_of(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "print('v2')\n"}))
    assert updated["entry_point"] == "report_tool.py"


def test_update_changes_metadata_and_records_who_and_when(server, owner):
    script = create(server, owner, name=unique("before"), description="old", tags=["a"])
    new_name = unique("after")
    response = server.request("PUT", f"/scripts/{script['id']}", token=owner, json={
        "name": new_name, "description": "new", "tags": ["b", "c"], "visibility": "organization",
        "dependencies": [{"name": "jq", "version": "1.7", "scope": "build"}],
    })
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"1.0.1"'
    updated = json_of(response)
    assert (updated["name"], updated["description"], updated["tags"], updated["visibility"]) == (new_name, "new", ["b", "c"], "organization")
    assert updated["dependencies"] == [{"name": "jq", "version": "1.7", "scope": "build"}]
    assert updated["version"] == updated["latest_version"] == "1.0.1"
    # Content not sent: the new version carries the previous content unchanged.
    assert updated["content"] == script["content"] and updated["content_sha256"] == script["content_sha256"]
    assert updated["created_at"] == script["created_at"] and updated["created_by"] == "api-owner"
    assert updated["updated_by"] == "api-owner"
    assert datetime.fromisoformat(updated["updated_at"]) >= datetime.fromisoformat(script["created_at"])
    # The old version keeps its own dependencies.
    old = json_of(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=owner))
    assert old["dependencies"] == [] and old["version"] == "1.0.0" and old["latest_version"] == "1.0.1"
    assert json_of(server.request("GET", f"/scripts/{script['id']}", token=owner)) == {
        key: value for key, value in updated.items() if key != "warnings"} and updated["warnings"] == []


def test_version_bumps_follow_the_request_and_default_to_patch(server, owner):
    script = create(server, owner)
    seen = []
    for bump, expected in ((None, "1.0.1"), ("minor", "1.1.0"), ("patch", "1.1.1"), ("major", "2.0.0"), ("minor", "2.1.0")):
        body = {"content": f"echo {expected}\n"} | ({"version_bump": bump} if bump else {})
        response = server.request("PUT", f"/scripts/{script['id']}", token=owner, json=body)
        assert response.status_code == 200, response.text
        assert json_of(response)["version"] == expected
        seen.append(expected)
    versions = json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=owner))["items"]
    assert [v["version"] for v in versions] == ["2.1.0", "2.0.0", "1.1.1", "1.1.0", "1.0.1", "1.0.0"]

    bad = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner,
                                      json={"content": "echo no\n", "version_bump": "huge"}), 400)
    assert "version_bump" in error_fields(bad)
    assert json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))["version"] == "2.1.0"


# -- immutability of versions ----------------------------------------------------------

# Bytes a careless store would change: CRLF and lone CR line endings, trailing
# spaces and tabs, non-ASCII text (2-, 3- and 4-byte UTF-8), no final newline.
CONTENTS = [
    "# -*- coding: utf-8 -*-\r\nprint('héllo wörld ✓ 日本語 🚀')   \r\nif True:\r\n\tprint('tab-indented')\t \r\n",
    "print('zwei — ü')  \n\n\nx = '\\t'\t\n",
    "print('drei')\r\n# ends without a newline, after spaces   ",
    "a = 'Ω'\rb = 'ß'\r\nprint(a, b)\n\t\n",
]


def test_every_version_returns_exactly_the_bytes_saved_then(server, owner):
    script = create(server, owner, language="python", content=CONTENTS[0])
    assert script["content"] == CONTENTS[0]
    saved = {"1.0.0": CONTENTS[0]}
    for content, bump, version in zip(CONTENTS[1:], ("patch", "minor", "major"), ("1.0.1", "1.1.0", "2.0.0")):
        updated = json_of(server.request("PUT", f"/scripts/{script['id']}", token=owner,
                                         json={"content": content, "version_bump": bump}))
        assert updated["version"] == version, updated
        saved[version] = content
    # A metadata-only change makes a version with the same bytes as the one before.
    updated = json_of(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"description": "only words"}))
    assert updated["version"] == "2.0.1"
    saved["2.0.1"] = CONTENTS[3]

    listed = {v["version"]: v for v in json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=owner))["items"]}
    assert set(listed) == set(saved)
    for version, content in saved.items():
        response = server.request("GET", f"/scripts/{script['id']}/versions/{version}", token=owner)
        assert response.status_code == 200, response.text
        # Compare the raw JSON-decoded string; requests decodes the body as UTF-8 JSON.
        body = response.json()
        assert body["version"] == version
        assert body["content"] == content, f"version {version} changed"
        assert body["content"].encode("utf-8") == content.encode("utf-8")
        assert body["content_sha256"] == sha256(content) == listed[version]["content_sha256"]
    latest = json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))
    assert latest["version"] == "2.0.1" and latest["content"] == CONTENTS[3]


def test_old_versions_still_run_their_own_content(server, owner):
    script = create(server, owner, content="echo first\n")
    server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "echo second\n"})
    old = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner, json={"version": "1.0.0"}))
    new = json_of(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner, json={}))
    assert (old["stdout"], old["script_version"], old["content_sha256"]) == ("first\n", "1.0.0", sha256("echo first\n"))
    assert (new["stdout"], new["script_version"], new["content_sha256"]) == ("second\n", "1.0.1", sha256("echo second\n"))


# -- search --------------------------------------------------------------------------


def test_search_by_text_language_tags_visibility_and_pages(server, owner):
    marker = uuid.uuid4().hex[:10]
    specs = [
        ("alpha", "python", ["etl", marker], "private", "Loads the Warehouse"),
        ("bravo", "bash", ["etl", "nightly", marker], "team", "rotates logs"),
        ("charlie", "bash", ["nightly", marker], "public", "warehouse cleanup"),
        ("delta", "typescript", [marker], "organization", "dashboard"),
        ("echo", "python", ["etl", "nightly", marker], "public", "plain"),
    ]
    ids = {}
    for name, language, tags, visibility, description in specs:
        ids[name] = create(server, owner, name=f"{marker}-{name}", language=language, content=VALID[language],
                           tags=tags, visibility=visibility, description=description)["id"]

    def search(**params) -> tuple[list[str], int]:
        response = server.request("GET", "/scripts", token=owner, params=params)
        assert response.status_code == 200, response.text
        body = json_of(response)
        assert set(body) == {"items", "total"}
        names = [item["name"].removeprefix(f"{marker}-") for item in body["items"]]
        return names, body["total"]

    assert search(q=marker) == (["alpha", "bravo", "charlie", "delta", "echo"], 5)
    # Text matches the description too, whatever the case.
    assert search(q=marker.upper()) == (["alpha", "bravo", "charlie", "delta", "echo"], 5)
    assert search(tag=marker, q="WAREHOUSE") == (["alpha", "charlie"], 2)
    assert search(q=f"{marker}-CHAR") == (["charlie"], 1)
    assert search(q=marker, language="bash") == (["bravo", "charlie"], 2)
    assert search(q=marker, language="go") == ([], 0)
    assert search(tag=marker) == (["alpha", "bravo", "charlie", "delta", "echo"], 5)
    # Repeated tags: every one must be present.
    assert search(tag=[marker, "etl"]) == (["alpha", "bravo", "echo"], 3)
    assert search(tag=[marker, "etl", "nightly"]) == (["bravo", "echo"], 2)
    assert search(tag=[marker, "etl", "nightly"], language="python") == (["echo"], 1)
    assert search(tag=[marker, "no-such-tag"]) == ([], 0)
    assert search(q=marker, visibility="public") == (["charlie", "echo"], 2)
    assert search(q=marker, visibility="private") == (["alpha"], 1)
    # Pages: total counts every match, items only the page.
    assert search(q=marker, limit=2, offset=0) == (["alpha", "bravo"], 5)
    assert search(q=marker, limit=2, offset=2) == (["charlie", "delta"], 5)
    assert search(q=marker, limit=2, offset=4) == (["echo"], 5)
    assert search(q=marker, limit=2, offset=10) == ([], 5)

    item = json_of(server.request("GET", "/scripts", token=owner, params={"q": f"{marker}-delta"}))["items"][0]
    assert item["id"] == ids["delta"] and item["language"] == "typescript" and item["visibility"] == "organization"
    assert item["version"] == "1.0.0" and item["tags"] == [marker] and item["content_sha256"] == sha256(VALID["typescript"])

    bad = assert_error(server.request("GET", "/scripts", token=owner, params={"limit": "many"}), 400)
    assert error_fields(bad) == ["limit"]


def test_search_text_is_literal_and_ignores_case_beyond_ascii(server, owner):
    # Names follow the name rule (no blanks, no %), so the texts with those sit in descriptions.
    marker = uuid.uuid4().hex[:10]
    scripts = {f"Überprüfung-{marker}": "", f"{marker}-percent": f"{marker} 100% done",
               f"{marker}-thousand": f"{marker} 1000 done", f"{marker}_under": "", f"{marker}-dash": ""}
    for name, description in scripts.items():
        create(server, owner, name=name, description=description)

    def found(q: str) -> list[str]:
        body = json_of(server.request("GET", "/scripts", token=owner, params={"q": q}))
        assert body["total"] == len(body["items"])
        return sorted(item["name"] for item in body["items"])

    # A script is found by its own name, and by it in another case.
    assert found(f"Überprüfung-{marker}") == [f"Überprüfung-{marker}"]
    assert found(f"ÜBERPRÜFUNG-{marker}") == [f"Überprüfung-{marker}"]
    assert found(f"überprüfung-{marker}") == [f"Überprüfung-{marker}"]
    # % and _ are characters to find, not wildcards.
    assert found(f"{marker} 100%") == [f"{marker}-percent"]
    assert found(f"{marker}_") == [f"{marker}_under"]
    assert found(f"{marker}%") == []


# -- delete ----------------------------------------------------------------------------


def test_delete_hides_the_script_blocks_runs_and_keeps_execution_records(server, owner):
    name = unique("doomed")
    script = create(server, owner, name=name, content="echo before-delete\n", visibility="public")
    run = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner, json={})
    assert run.status_code == 200, run.text
    record = json_of(run)
    assert (record["status"], record["stdout"]) == ("Succeeded", "before-delete\n")

    deleted = server.request("DELETE", f"/scripts/{script['id']}", token=owner)
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""

    assert_error(server.request("GET", f"/scripts/{script['id']}", token=owner), 404)
    assert_error(server.request("GET", f"/scripts/{script['id']}"), 404)  # it was public
    assert_error(server.request("GET", f"/scripts/{script['id']}/versions", token=owner), 404)
    assert_error(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=owner), 404)
    listed = json_of(server.request("GET", "/scripts", token=owner, params={"q": name}))
    assert listed == {"items": [], "total": 0}
    assert_error(server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=owner, json={}), 404)
    assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "echo again\n"}), 404)
    assert_error(server.request("DELETE", f"/scripts/{script['id']}", token=owner), 404)

    kept = server.request("GET", f"/scripts/executions/{record['id']}", token=owner)
    assert kept.status_code == 200, kept.text
    assert json_of(kept) == record
    runs = json_of(server.request("GET", "/scripts/executions", token=owner, params={"script_id": script["id"]}))
    assert [item["id"] for item in runs["items"]] == [record["id"]] and runs["total"] == 1


# -- validation ------------------------------------------------------------------------


@pytest.mark.parametrize("language", list(SYNTAX_ERRORS))
def test_syntax_errors_are_refused_with_their_line_on_create_and_update(server, owner, language):
    source, line, column = SYNTAX_ERRORS[language]

    refused = assert_error(server.request("POST", "/scripts", token=owner, json={
        "name": unique(f"broken-{language}"), "language": language, "content": source}), 400)
    content_errors = [error for error in refused["errors"] if error["field"] == "content"]
    assert content_errors, refused
    assert any(error["line"] == line and error["column"] == column for error in content_errors), content_errors
    assert all(error["message"] for error in content_errors)

    script = create(server, owner, language=language, content=VALID[language])
    refused = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": source}), 400)
    content_errors = [error for error in refused["errors"] if error["field"] == "content"]
    assert any(error["line"] == line and error["column"] == column for error in content_errors), content_errors
    # Nothing was stored.
    after = json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))
    assert (after["version"], after["content"]) == ("1.0.0", VALID[language])
    assert len(json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=owner))["items"]) == 1


@pytest.mark.parametrize("entry_point", ["../x.py", "a/b.py", "/etc/x.py", "..", ".hidden.py", "x.sh", "args.json"])
def test_unsafe_or_wrong_entry_points_are_refused(server, owner, entry_point):
    refused = assert_error(server.request("POST", "/scripts", token=owner, json={
        "name": unique("entry"), "language": "python", "content": VALID["python"], "entry_point": entry_point}), 400)
    assert error_fields(refused) == ["entry_point"]

    script = create(server, owner, language="python", content=VALID["python"])
    refused = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner,
                                          json={"entry_point": entry_point}), 400)
    assert error_fields(refused) == ["entry_point"]
    assert json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))["entry_point"] == "script.py"


def test_oversized_content_is_refused_by_bytes_not_characters(server, owner):
    # 600k characters, but 1.2 MB of UTF-8.
    too_big = "# " + "é" * 600_000 + "\n"
    assert len(too_big) < MIB < len(too_big.encode())
    refused = assert_error(server.request("POST", "/scripts", token=owner, json={
        "name": unique("huge"), "language": "python", "content": too_big}), 400)
    assert error_fields(refused) == ["content"]

    exactly = "#" * (MIB - 1) + "\n"
    script = create(server, owner, language="python", content=exactly)
    assert script["content_sha256"] == sha256(exactly)
    refused = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner,
                                          json={"content": exactly + "#"}), 400)
    assert error_fields(refused) == ["content"]
    assert json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))["version"] == "1.0.0"


def test_every_problem_is_listed_at_once_on_create(server, owner):
    refused = assert_error(server.request("POST", "/scripts", token=owner, json={
        "name": "   ", "language": "cobol", "content": "", "visibility": "secret", "tags": ["", 7],
        "dependencies": [{"version": "1"}],
    }), 400)
    assert set(error_fields(refused)) >= {"name", "language", "content", "visibility", "tags", "dependencies[0]"}

    refused = assert_error(server.request("POST", "/scripts", token=owner, json={
        "name": "n" * 201, "language": "bash", "content": "echo ok\n", "visibility": "everyone", "tags": "a,b"}), 400)
    assert sorted(error_fields(refused)) == ["name", "tags", "visibility"]


def test_every_problem_is_listed_at_once_on_update(server, owner):
    script = create(server, owner)
    for bad_name in ("", "n" * 201, 42):
        refused = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={
            "name": bad_name, "visibility": "secret", "tags": [""]}), 400)
        assert sorted(error_fields(refused)) == ["name", "tags", "visibility"], bad_name
    after = json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))
    assert (after["name"], after["version"], after["visibility"]) == (script["name"], "1.0.0", "private")


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", "\"caf\xe9\"".encode("latin-1")], ids=["malformed", "array", "not-utf8"])
def test_bodies_that_are_not_json_objects_are_refused(server, owner, body):
    response = server.request("POST", "/scripts", token=owner, data=body, headers={"Content-Type": "application/json"})
    assert error_fields(assert_error(response, 400)) == ["body"]


# -- unknown ids and stale updates -----------------------------------------------------

UNKNOWN_IDS = ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "12345"]


@pytest.mark.parametrize("unknown", UNKNOWN_IDS)
@pytest.mark.parametrize("method, path, body", [
    ("GET", "/scripts/{id}", None),
    ("PUT", "/scripts/{id}", {"content": "echo x\n"}),
    ("DELETE", "/scripts/{id}", None),
    ("GET", "/scripts/{id}/versions", None),
    ("GET", "/scripts/{id}/versions/1.0.0", None),
    ("POST", "/scripts/{id}/execute?wait=true", {}),
    ("GET", "/scripts/executions/{id}", None),
    ("GET", "/scripts/executions/{id}/logs?follow=false", None),
    ("POST", "/scripts/executions/{id}/cancel", None),
], ids=lambda value: value if isinstance(value, str) else None)
def test_unknown_ids_answer_a_json_404(server, owner, method, path, body, unknown):
    assert_error(server.request(method, path.format(id=unknown), token=owner, json=body), 404)


@pytest.mark.parametrize("version", ["9.9.9", "1.0", "latest", "01.0.0"])
def test_unknown_versions_answer_a_json_404(server, owner, version):
    script = create(server, owner)
    assert_error(server.request("GET", f"/scripts/{script['id']}/versions/{version}", token=owner), 404)


def test_stale_updates_conflict_by_header_and_by_body(server, owner):
    script = create(server, owner, content="echo one\n")
    moved = server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "echo two\n"},
                           headers={"If-Match": '"1.0.0"'})
    assert moved.status_code == 200, moved.text
    assert json_of(moved)["version"] == "1.0.1"

    stale = assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "echo three\n"},
                                        headers={"If-Match": '"1.0.0"'}), 409)
    assert "1.0.1" in stale["message"]
    assert_error(server.request("PUT", f"/scripts/{script['id']}", token=owner,
                                json={"content": "echo three\n", "expected_version": "1.0.0"}), 409)
    after = json_of(server.request("GET", f"/scripts/{script['id']}", token=owner))
    assert (after["version"], after["content"]) == ("1.0.1", "echo two\n")
    assert len(json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=owner))["items"]) == 2

    current = server.request("PUT", f"/scripts/{script['id']}", token=owner, json={"content": "echo three\n"},
                             headers={"If-Match": '"1.0.1"'})
    assert current.status_code == 200 and json_of(current)["version"] == "1.0.2", current.text
    by_body = server.request("PUT", f"/scripts/{script['id']}", token=owner,
                             json={"content": "echo four\n", "expected_version": "1.0.2"})
    assert by_body.status_code == 200 and json_of(by_body)["version"] == "1.0.3", by_body.text
