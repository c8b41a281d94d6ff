"""The export tab through the launched app: variant sets, a 2×2 grid, the compliance table, the A/B decision."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.ui.launch import session_with_cutout

pytestmark = pytest.mark.slow

AB_HEADERS = ["variant", "impressions", "clicks", "orders"]


def export(
    client,
    platforms,
    factor,
    *,
    n=2,
    values="",
    scenes=(),
    styles=(),
    headlines="",
    layouts=(),
    first="scene",
    second="copy",
    sku="cup",
):
    """Call /export_posters with the 7 original positional inputs, the pickers, then signing and shop name (off, "")."""
    return client.predict(
        list(platforms),
        n,
        factor,
        values,
        sku,
        "auto",
        True,
        list(scenes),
        list(styles),
        headlines,
        list(layouts),
        first,
        second,
        False,
        "",
        api_name="/export_posters",
    )


def zip_recipes(zip_path: str) -> dict[str, dict]:
    with zipfile.ZipFile(zip_path) as z:
        return {
            name.split("/")[1][:-5]: json.loads(z.read(name)) for name in z.namelist() if name.startswith("recipes/")
        }


@pytest.fixture(scope="module")
def client(studio_url, tmp_path_factory):
    """A session with a cutout and a studio-backdrop scene (fast on CPU)."""
    c = session_with_cutout(studio_url, tmp_path_factory.mktemp("export"))
    c.predict(
        "marble_counter",
        "procedural",
        "",
        0,
        1,
        0.5,
        0,
        0,
        0,
        True,
        False,
        "",
        3,
        7,
        0.8,
        0,
        1,
        "taobao_main",
        api_name="/compose_scene",
    )
    return c


def test_scene_factor_gives_one_scene_per_variant_and_a_compliance_row_per_file(client):
    images, zip_path, _manifest, status = export(
        client, ["taobao_main", "taobao_white"], "scene", scenes=["double11", "spring_festival"]
    )
    recipes = zip_recipes(zip_path)
    assert {v: r["scene"]["preset"] for v, r in recipes.items()} == {"A": "double11", "B": "spring_festival"}
    captions = [item["caption"] for item in images]
    # One platform per row, variants side by side, named by what they are.
    assert captions == [
        "A · 双11 红金 · taobao_main",
        "B · 春节 · taobao_main",
        "A · 双11 红金 · taobao_white",
        "B · 春节 · taobao_white",
    ]
    assert "**A** = 双11 红金" in status

    # An undocumented UI event: the client no longer fills in defaults, so the table's own value is given.
    report, ab_table = client.predict(
        {"headers": ["variant", "impressions", "clicks", "orders"], "data": [["A", 0, 0, 0], ["B", 0, 0, 0]]},
        api_name="/compliance_report",
    )
    rows = report["data"]
    with zipfile.ZipFile(zip_path) as z:
        files = [n for n in z.namelist() if n.endswith(".jpg")]
    assert sorted(r[0] for r in rows) == sorted(files), "one row per written file"
    assert report["headers"] == ["文件", "方案", "平台", "结果", "原因"]
    assert {r[1] for r in rows} == {"A", "B"}
    for row in rows:
        assert row[3] in ("✅ 通过", "❌ 未通过", "⚠ 部分未检查") and row[4]
        assert "TC260" not in row[4], "a studio backdrop needs no AI label"
    # The A/B table is set up with the exported variants' names, ready for the numbers.
    assert [r[0] for r in ab_table["data"]] == ["A", "B"]


def test_grid_of_two_scenes_by_two_headlines_makes_four_variants(client):
    images, zip_path, _manifest, status = export(
        client,
        ["taobao_main"],
        "grid",
        scenes=["double11", "kitchen"],
        headlines="买一送一\n限时半价",
        first="scene",
        second="copy",
    )
    recipes = zip_recipes(zip_path)
    assert sorted(recipes) == ["A", "B", "C", "D"]
    pairs = {v: (r["scene"]["preset"], r["copy_text"]["headline"]) for v, r in recipes.items()}
    assert pairs == {
        "A": ("double11", "买一送一"),
        "B": ("double11", "限时半价"),
        "C": ("kitchen", "买一送一"),
        "D": ("kitchen", "限时半价"),
    }
    assert [item["caption"] for item in images][0] == "A · 双11 红金 × 买一送一 · taobao_main"


def test_typed_values_still_work_for_scripts_and_missing_values_get_a_message(client):
    _images, zip_path, _manifest, _status = export(client, ["jd_main"], "layout", values="top_left, bottom_band")
    assert {v: r["copy_text"]["layout"] for v, r in zip_recipes(zip_path).items()} == {
        "A": "top_left",
        "B": "bottom_band",
    }
    with pytest.raises(Exception) as err:
        export(client, ["jd_main"], "scene")
    assert "场景" in str(err.value)
    with pytest.raises(Exception) as err:
        export(client, ["jd_main"], "grid", scenes=["double11"], first="scene", second="scene")
    assert "两项不同" in str(err.value)


def test_ab_results_give_a_winner_for_clear_numbers_and_wait_for_close_ones(client):
    stats, decision = client.predict(
        {"headers": AB_HEADERS, "data": [["A", 10000, 200, 0], ["B", 10000, 320, 0]]},
        20,
        "split",
        api_name="/ui_ab_stats",
    )
    assert decision.startswith("🏆") and "**B**" in decision
    assert stats["headers"][:4] == ["方案", "曝光", "点击", "点击率 CTR"]
    assert [row[3] for row in stats["data"]] == ["2.00%", "3.20%"]
    assert len(stats["headers"]) == 7, "no orders typed: no conversion column"

    stats, decision = client.predict(
        {"headers": AB_HEADERS, "data": [["A", 1000, 20, 3], ["B", 1000, 24, 6]]}, 20, "split", api_name="/ui_ab_stats"
    )
    assert decision.startswith("⏳") and "还差约" in decision, "close numbers: not significant, with impressions to go"
    assert stats["headers"][-1] == "转化率 CVR"
    with pytest.raises(Exception) as err:
        client.predict(
            {"headers": AB_HEADERS, "data": [["A", 100, 200, 0], ["B", 100, 2, 0]]},
            20,
            "split",
            api_name="/ui_ab_stats",
        )
    assert "more clicks" in str(err.value)
