"""The public API as the app registers it (no launch): names, visibility, lanes and the log-in rules."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest

import app
from studio.settings import Settings
from studio.ui.public_api import PUBLIC_ENDPOINTS, SESSION_ENDPOINTS, restrict_mcp_tools


@pytest.fixture(scope="module")
def built_app():
    from studio.ui.app import create_app

    return create_app(Settings(profile="none", jobs_per_minute=2).resolved())


def test_only_the_public_api_is_public_and_names_match(built_app):
    public = {f.api_name: f for f in built_app.fns.values() if f.api_visibility == "public"}
    assert set(PUBLIC_ENDPOINTS) <= set(public) <= set(PUBLIC_ENDPOINTS) | set(SESSION_ENDPOINTS), sorted(public)
    for name in PUBLIC_ENDPOINTS:
        assert public[name].fn.__name__ == name, "the MCP tool name is the function's name"
    hidden = {f.api_name for f in built_app.fns.values() if f.api_visibility != "public"}
    assert {"ui_remove_background", "compose_scene", "render_copy", "export_posters", "save_project"} <= hidden


def test_the_public_calls_share_the_gpu_lane_and_the_rate_limit(built_app):
    lanes = {f.api_name: (f.concurrency_id, f.concurrency_limit) for f in built_app.fns.values()}
    assert lanes["make_posters"] == lanes["make_set"] == lanes["make_detail_page"] == ("gpu", 1)
    limited = set(built_app.studio_context.extra["guards"]["rate_limited"])
    assert {"make_posters", "remove_background", "ui_remove_background"} <= limited
    assert built_app.studio_context.extra["public_api"] == list(PUBLIC_ENDPOINTS)


def test_mcp_serves_only_the_public_tools():
    server = SimpleNamespace(tool_to_endpoint={"make_posters": "/make_posters", "get_recipe": "/get_recipe",
                                               "check_copy": "/check_copy", "render_copy": "/render_copy"})  # fmt: skip
    assert restrict_mcp_tools(SimpleNamespace(mcp_server_obj=server)) == ["check_copy", "make_posters"]
    assert restrict_mcp_tools(SimpleNamespace()) == []


def test_a_log_in_gets_the_share_links_rules(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    shared = app.settings_from_args(app.parse_args(["--profile", "none", "--auth", "ann:secret"]))
    assert shared.public and not shared.uploads_allowed and shared.job_limit == 10
    allowed = app.settings_from_args(app.parse_args(["--profile", "none", "--auth", "ann:secret", "--allow-uploads"]))
    assert allowed.uploads_allowed
    lan = app.settings_from_args(app.parse_args(["--profile", "none", "--host", "0.0.0.0", "--auth", "ann:secret"]))
    assert lan.public and lan.job_limit == 10
    local = app.settings_from_args(app.parse_args(["--profile", "none"]))
    assert not local.public and local.uploads_allowed and local.job_limit == 0


def test_a_space_turns_mcp_on_by_variable(monkeypatch):
    monkeypatch.setenv("STUDIO_MCP", "1")
    assert Settings.from_env().mcp
    monkeypatch.setenv("STUDIO_MCP", "")
    assert not Settings.from_env().mcp


@pytest.mark.parametrize(
    ("header", "user"),
    [("Basic " + base64.b64encode(b"ann:secret").decode(), "ann"), ("Basic " + base64.b64encode(b"ann:wrong").decode(), None),
     ("Basic " + base64.b64encode(b"bob:secret").decode(), None), ("Basic !!!", None), ("Bearer x", None), ("", None),
     ("Basic " + base64.b64encode(b"annsecret").decode(), None)],
)  # fmt: skip
def test_basic_credentials_are_checked_against_the_accounts(header, user):
    from studio.ui.login_guard import _basic_user

    assert _basic_user(header, {"ann": "secret"}) == user
