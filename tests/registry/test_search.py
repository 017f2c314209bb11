"""Search over name, description and tags, ranked name matches first, with
each row's description, tags, author, latest version and last run. A real
``stellascript serve`` on SQLite and PostgreSQL; the runs are real."""

from __future__ import annotations

import uuid

import pytest

from tests.servers import RunningServer, json_of


@pytest.fixture(scope="module")
def tokens(server: RunningServer) -> dict[str, str]:
    return {user: server.token(user) for user in ("search-ann", "search-ben")}


def created(server: RunningServer, token: str, name: str, **fields) -> dict:
    response = server.request("POST", "/scripts", token=token,
                              json={"name": name, "language": "bash", "content": "echo ok\n", **fields})
    assert response.status_code == 201, response.text
    return json_of(response)


def names(server: RunningServer, token: str, **params) -> list[str]:
    response = server.request("GET", "/scripts", token=token, params=params)
    assert response.status_code == 200, response.text
    body = json_of(response)
    assert body["total"] == len(body["items"]) or "limit" in params
    return [item["name"] for item in body["items"]]


def test_name_matches_rank_before_description_and_tag_matches(server, tokens):
    ann = tokens["search-ann"]
    marker = uuid.uuid4().hex[:10]
    # Created in an order unlike the ranking, with names sorting unlike it too.
    created(server, ann, f"a-by-tag-{uuid.uuid4().hex[:6]}", tags=[f"x{marker}y"])
    created(server, ann, f"b-by-description-{uuid.uuid4().hex[:6]}", description=f"It mentions {marker.upper()} once.")
    created(server, ann, f"z-contains-{marker}-here")
    created(server, ann, f"{marker}-prefix-b")
    created(server, ann, marker)
    created(server, ann, f"{marker}-prefix-a")
    created(server, ann, f"c-contains-{marker}")
    found = names(server, ann, q=marker)
    assert found[0] == marker  # exact
    assert found[1:3] == [f"{marker}-prefix-a", f"{marker}-prefix-b"]  # then prefixes, by name
    assert found[3:5] == [f"c-contains-{marker}", f"z-contains-{marker}-here"]  # then names containing it
    assert [name.split("-")[1] for name in found[5:]] == ["by", "by"] and found[5].startswith("a-by-tag")
    assert len(found) == 7
    # Case does not matter for the ranking either; paging keeps the order.
    assert names(server, ann, q=marker.upper()) == found
    assert names(server, ann, q=marker, limit=3, offset=2) == found[2:5]
    # Filters still apply on top.
    assert names(server, ann, q=marker, tag=f"x{marker}y") == [found[5]]


def test_every_word_may_be_anywhere_in_name_description_or_tags(server, tokens):
    ann = tokens["search-ann"]
    marker = uuid.uuid4().hex[:10]
    gate = created(server, ann, f"LogErrorRate-{marker}",
                   description="Log error rate: count ERROR and WARN lines in a log and fail when errors make up too large a share of it.",
                   tags=["sample", "java-ish"])
    created(server, ann, f"other-{marker}", description="rate limits only")
    assert names(server, ann, q=f"error rate {marker}") == [gate["name"]]
    assert names(server, ann, q=f"{marker} JAVA-ISH") == [gate["name"]]
    assert names(server, ann, q=f"{marker} rate") == [gate["name"], f"other-{marker}"]
    assert names(server, ann, q=f"{marker} nowhere") == []


def test_rows_carry_description_tags_author_latest_version_and_last_run(server, tokens):
    ann, ben = tokens["search-ann"], tokens["search-ben"]
    name = f"rows-{uuid.uuid4().hex[:10]}"
    script = created(server, ann, name, description="what it does", tags=["t1", "t2"], visibility="public")
    updated = server.request("PUT", f"/scripts/{script['id']}", token=ann, json={"content": "echo two\n", "version_bump": "minor"})
    assert updated.status_code == 200, updated.text

    def row(token: str) -> dict:
        [item] = json_of(server.request("GET", "/scripts", token=token, params={"q": name}))["items"]
        return item

    first = row(ann)
    assert (first["description"], first["tags"], first["created_by"], first["latest_version"]) == \
        ("what it does", ["t1", "t2"], "search-ann", "1.1.0")
    assert first["last_run"] is None
    def run(token: str) -> dict:
        response = server.request("POST", f"/scripts/{script['id']}/execute?wait=true", token=token, json={})
        assert response.status_code in (200, 201), response.text
        return json_of(response)

    runs = [run(ann), run(ann)]
    last = row(ann)["last_run"]
    assert last["id"] == runs[-1]["id"] and last["status"] == "Succeeded" and last["requested_by"] == "search-ann"
    assert last["completed_at"] >= last["queued_at"]
    assert row(ben)["last_run"] is None  # ben lists his own runs only: none of ann's
    bens = run(ben)
    # The script's creator lists everyone's runs of it; ben his own.
    assert row(ann)["last_run"]["id"] == bens["id"] and row(ann)["last_run"]["requested_by"] == "search-ben"
    assert row(ben)["last_run"]["id"] == bens["id"]
    assert row(None)["last_run"] is None  # anonymous callers list no runs
