"""Per-user output quota (issue 16, item 6): one user's export folders stay under their quota, their own oldest
going first; the folder just handed back and other users' folders always stay."""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path
from types import SimpleNamespace

from PIL import Image

from studio.output_ledger import OutputLedger, output_folders


def _export(root: Path, name: str, size: int, age_s: float = 0.0) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "posters.zip").write_bytes(b"z" * size)
    stamp = time.time() - age_s
    os.utime(folder, (stamp, stamp))
    return folder


def test_a_user_over_quota_loses_their_own_oldest_folders_only(tmp_path):
    ledger = OutputLedger(1000, root=tmp_path)
    a, b = _export(tmp_path, "posters-a", 400, 30), _export(tmp_path, "posters-b", 400, 20)
    other = _export(tmp_path, "posters-other", 900, 25)
    assert ledger.record("addr:1", [a]) == 0 and ledger.record("addr:1", [b]) == 0
    assert ledger.record("addr:2", [other]) == 0
    c = _export(tmp_path, "posters-c", 400)
    assert ledger.record("addr:1", [c]) == 1  # 1200 bytes > 1000: the oldest of addr:1 goes
    assert not a.exists() and b.exists() and c.exists() and other.exists()
    assert ledger.folders_of("addr:1") == [b, c]
    huge = _export(tmp_path, "posters-huge", 5000)
    ledger.record("addr:1", [huge])  # alone over the quota: the one just made stays, the rest go
    assert huge.exists() and not b.exists() and not c.exists() and other.exists()
    assert OutputLedger(0).record("addr:1", [other]) == 0  # 0 = no quota


def test_output_folders_are_found_in_any_result_shape(tmp_path):
    export = _export(tmp_path, "posters-api-x", 10)
    (tmp_path / "elsewhere").mkdir()
    result = (
        SimpleNamespace(path=str(export / "posters.zip")),  # a FileData
        [{"path": str(export / "a.jpg")}],
        str(tmp_path / "elsewhere" / "f.png"),  # not an export folder
        "/etc/passwd",  # outside the temporary folder
        42,
    )
    assert output_folders(result, root=tmp_path) == {export.resolve()}


def test_the_public_make_posters_counts_its_folders_against_the_caller(tmp_path, monkeypatch):
    from studio.settings import Settings
    from studio.ui import common
    from studio.ui.app import create_app

    app = create_app(Settings(profile="none", share=True).resolved())
    ctx = app.studio_context
    ledger = ctx.extra["output_ledger"]
    assert ledger.limit == Settings(share=True).resolved().budgets.output_bytes_per_user > 0
    assert "make_posters" in ctx.extra["guards"]["output_quota"]
    streamed = next(fn.fn for fn in app.fns.values() if fn.api_name == "catalogue_batch")
    assert inspect.isgeneratorfunction(streamed)  # still streams its progress through the quota's wrapper
    ledger.limit = 1  # every new export pushes the caller's earlier ones out
    caller = SimpleNamespace(username=None, client=SimpleNamespace(host="10.0.0.7"), session_hash="s", headers={})
    monkeypatch.setattr(common, "current_request", lambda args, kwargs: caller)
    make_posters = next(fn.fn for fn in app.fns.values() if fn.api_name == "make_posters")
    photo = tmp_path / "cup.png"
    cutout = Image.new("RGBA", (200, 300), (0, 0, 0, 0))
    cutout.paste((30, 90, 200, 255), (40, 40, 160, 260))
    cutout.save(photo)
    recipe = {"scene": {"backdrop": "procedural"}, "export": {"platforms": ["taobao_main"]}}
    first = Path(make_posters(product={"path": str(photo)}, recipe=recipe)[0].path)
    second = Path(make_posters(product={"path": str(photo)}, recipe=recipe)[0].path)
    assert second.exists() and not first.exists()  # the caller's older export went, the new one stays
    assert ledger.folders_of("addr:10.0.0.7") == [second.parent]
