"""Catalogues on a real local Ray instance (ray.init(num_cpus=2), one for the module): same files as locally."""

from __future__ import annotations

import pytest

from studio.batch import parse_catalogue, run_catalogue
from studio.batch.render import CRASH_ENV
from studio.cli import main
from tests.batch.conftest import comparable, write_csv

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _folders(out):
    return sorted(p.name for p in out.iterdir() if p.is_dir())


@pytest.mark.slow
def test_ray_auto_gives_the_local_files_byte_for_byte(ray_instance, tmp_path, six_rows, photos_dir, capsys):
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    common = ["--photos", str(photos_dir), "--profile", "none"]
    assert main(["batch", str(six_rows), *common, "--out", str(local)]) == 0
    assert main(["batch", str(six_rows), *common, "--out", str(on_ray), "--ray", "auto"]) == 0, capsys.readouterr().err
    assert _folders(local) == _folders(on_ray) and len(_folders(on_ray)) == 5
    for folder in _folders(local):
        assert comparable(local / folder) == comparable(on_ray / folder), folder
    for name in ("catalog_manifest.csv", "errors.csv", "catalog.zip"):
        assert (local / name).read_bytes() == (on_ray / name).read_bytes(), name


@pytest.mark.slow
def test_a_killed_ray_worker_is_retried_once_then_recorded_and_the_batch_finishes(
    ray_instance, tmp_path, six_rows, photos_dir, batch_settings, monkeypatch
):
    monkeypatch.setenv(CRASH_ENV, "CUP-02")
    plan = parse_catalogue(six_rows, photos_dir, settings=batch_settings)
    result = run_catalogue(plan, tmp_path / "out", settings=batch_settings, ray="auto")
    assert sorted(result.made) == sorted(["CUP-01", "BOT-01", "BOT-02", "玫瑰香水50ml"])
    reasons = {e.sku: e.reason for e in result.errors}
    assert set(reasons) == {"CUP-02", "BAD-01"} and "stopped twice" in reasons["CUP-02"]
    assert "CUP-02" not in _folders(tmp_path / "out")


@pytest.mark.slow
def test_tiny_profile_on_ray_matches_the_local_pool(ray_instance, tmp_path, photos_dir, tiny_settings):
    rows = [
        {"sku": "T1", "photo": "bottle.png", "headline": "Tiny", "steps": "2", "backdrop": "generated"},
        {"sku": "T2", "photo": "bottle.png", "headline": "Tiny 2", "steps": "2", "seed": "9", "backdrop": "generated"},
    ]
    plan = parse_catalogue(write_csv(tmp_path / "tiny.csv", rows), photos_dir, settings=tiny_settings)
    local = run_catalogue(plan, tmp_path / "local", settings=tiny_settings)
    on_ray = run_catalogue(plan, tmp_path / "ray", settings=tiny_settings, ray="auto")
    assert sorted(local.made) == sorted(on_ray.made) == ["T1", "T2"], on_ray.errors
    for folder in ("T1", "T2"):
        # Byte for byte: the AI label's ProduceID comes from the recipe (studio.export.aigc.content_id), not at random.
        assert comparable(tmp_path / "local" / folder) == comparable(tmp_path / "ray" / folder), folder
        assert any(p.suffix == ".jpg" for p in (tmp_path / "ray" / folder).iterdir())
    assert (tmp_path / "local" / "catalog.zip").read_bytes() == (tmp_path / "ray" / "catalog.zip").read_bytes()


@pytest.mark.slow
def test_a_rows_set_and_detail_page_on_ray_match_the_local_run(ray_instance, tmp_path, photos_dir, batch_settings):
    from tests.batch.test_batch_listing import LISTING_ROW

    plan = parse_catalogue(write_csv(tmp_path / "set.csv", [LISTING_ROW]), photos_dir, settings=batch_settings)
    local = run_catalogue(plan, tmp_path / "local", settings=batch_settings)
    on_ray = run_catalogue(plan, tmp_path / "ray", settings=batch_settings, ray="auto")
    assert local.made == on_ray.made == ("BOT-SET",), on_ray.errors
    assert comparable(tmp_path / "local" / "BOT-SET") == comparable(tmp_path / "ray" / "BOT-SET")
    assert any("set_taobao_main/" in name for name in comparable(tmp_path / "ray" / "BOT-SET"))
