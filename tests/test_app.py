"""`python app.py`: the flags a user sees, and the refusals that keep a shared studio safe."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import app  # noqa: E402


def test_help_lists_the_launch_flags():
    out = subprocess.run(
        [sys.executable, "app.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    ).stdout
    for flag in ("--profile", "--host", "--port", "--share", "--auth", "--no-browser"):
        assert flag in out


def test_local_by_default():
    settings = app.settings_from_args(app.parse_args(["--profile", "none"]))
    assert settings.host == "127.0.0.1" and settings.open_browser and not settings.share


def test_share_without_auth_refuses_to_start(capsys):
    assert app.main(["--share", "--profile", "none"]) == 2
    err = capsys.readouterr().err
    assert "--auth" in err and "Traceback" not in err


def test_share_with_auth_is_accepted():
    settings = app.settings_from_args(app.parse_args(["--share", "--auth", "team:s3cret", "--profile", "none"]))
    assert settings.share and settings.auth == (("team", "s3cret"),)


def test_bad_profile_is_refused_by_argparse():
    with pytest.raises(SystemExit):
        app.parse_args(["--profile", "sd3"])


def test_create_app_builds_all_seven_tabs_with_named_endpoints(none_settings):
    from studio.ui.app import TAB_TITLES, create_app

    demo = create_app(none_settings)
    names = {dep.api_name for dep in demo.fns.values() if dep.api_name}
    assert {"remove_background", "compose_scene", "render_copy", "export_posters", "apply_styles"} <= names
    assert {"catalogue_batch", "ui_make_set", "ui_detail_preview", "ui_detail_export"} <= names
    labels = [title for title, _ in TAB_TITLES]
    assert labels[0].startswith("①") and labels[-1].startswith("⑦") and len(labels) == 7


def test_both_languages_cover_every_key():
    from studio.ui.texts import TEXTS

    for key, (zh, en) in TEXTS.items():
        assert zh.strip() and en.strip(), key


def test_mcp_without_the_extra_fails_in_one_clear_line(capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mcp" else real(name, *a))
    assert app.main(["--mcp", "--profile", "none", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert 'pip install "gradio[mcp]"' in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_space_mode_binds_all_interfaces_and_is_public(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "shop/poster-studio")
    settings = app.settings_from_args(app.parse_args(["--profile", "none"]))
    assert settings.host == "0.0.0.0" and settings.on_space and not settings.open_browser
    assert not settings.uploads_allowed and settings.job_limit > 0


def test_local_mode_has_no_job_limit_unless_asked(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert app.settings_from_args(app.parse_args(["--profile", "none"])).job_limit == 0
    limited = app.settings_from_args(app.parse_args(["--profile", "none", "--jobs-per-minute", "3"]))
    assert limited.job_limit == 3


def test_launch_serves_no_extra_folders_and_blocks_the_repo(none_settings):
    from studio.ui.app import launch_kwargs

    kwargs = launch_kwargs(none_settings)
    assert kwargs["allowed_paths"] == [] and str(ROOT) in kwargs["blocked_paths"]
    assert kwargs["max_file_size"] == none_settings.budgets.upload_bytes and kwargs["mcp_server"] is False


def test_only_named_steps_are_public_endpoints(none_settings):
    """Internal events (language switch, previews of a slider) must not become API endpoints."""
    from studio.ui.app import create_app

    demo = create_app(none_settings)
    public = {d.api_name for d in demo.fns.values() if d.api_visibility == "public"}
    assert None not in public
    assert not {name for name in public if name.startswith(("false", "unnamed", "lambda"))}, sorted(public)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_a_network_address_without_a_log_in_refuses_to_start(monkeypatch, capsys, host):
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert app.main(["--host", host, "--profile", "none", "--no-browser"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--auth" in err and "--no-auth-i-know-the-risk" in err and "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_the_explicit_flag_serves_open_with_a_warning_and_public_limits(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    settings = app.settings_from_args(
        app.parse_args(["--host", "0.0.0.0", "--profile", "none", "--no-auth-i-know-the-risk"])
    )
    assert settings.public and settings.job_limit == 10 and not settings.uploads_allowed
    warning = app.open_network_warning(settings)
    assert warning.startswith("warning:") and "0.0.0.0" in warning


def test_a_log_in_never_lifts_the_public_limits(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    for extra in (
        ["--auth", "ann:secret"],
        ["--auth", "ann:secret", "--host", "0.0.0.0"],
        ["--share", "--auth", "a:b"],
    ):
        settings = app.settings_from_args(app.parse_args(["--profile", "none", *extra]))
        assert settings.public and settings.job_limit == 10 and not settings.uploads_allowed, extra
        assert app.open_network_warning(settings) == ""


def test_loopback_and_a_space_need_no_flag(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    for host in ("127.0.0.1", "localhost", "::1"):
        assert not app.settings_from_args(app.parse_args(["--host", host, "--profile", "none"])).public
    monkeypatch.setenv("SPACE_ID", "shop/poster-studio")
    space = app.settings_from_args(app.parse_args(["--profile", "none"]))
    assert space.public and app.open_network_warning(space) == ""
