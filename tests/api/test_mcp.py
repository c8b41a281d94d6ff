"""`python app.py --mcp`: the public API as MCP tools, driven with the MCP Python SDK from two clients at once."""

from __future__ import annotations

import ast
import asyncio
import base64
import csv
import io
import time
import zipfile

import httpx
import pytest

from tests.conftest import make_bottle_cutout
from tests.ui.launch import running_studio

pytestmark = pytest.mark.slow
TOOLS = {"make_posters", "make_set", "make_detail_page", "remove_background", "check_copy", "ab_stats"}


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp")
    with running_studio(folder, "--mcp", "--profile", "none") as url:
        # The page answers as soon as Gradio listens; the tool filter is applied (and logged) just after.
        expected, log = (
            "MCP tools: ab_stats, check_copy, make_detail_page, make_posters, make_set, remove_background",
            "",
        )
        for _ in range(120):
            log = (folder / "app.log").read_text()
            if "MCP tools:" in log:
                break
            time.sleep(0.5)
        assert expected in log, log[-2000:]
        yield url + "gradio_api/mcp/"


def product_data_url() -> str:
    buffer = io.BytesIO()
    make_bottle_cutout().rgba.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


async def _session(url: str, work):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(url) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return await work(session)


def test_only_the_stateless_tools_are_served_and_all_are_described(mcp_url):
    async def list_tools(session):
        return (await session.list_tools()).tools

    tools = asyncio.run(_session(mcp_url, list_tools))
    assert {tool.name for tool in tools} == TOOLS
    for tool in tools:
        assert len(tool.description) > 40, tool.name
        properties = tool.inputSchema["properties"]
        assert properties, tool.name
        for name, schema in properties.items():
            assert len(schema.get("description", "")) > 10, (tool.name, name)


def test_two_mcp_clients_at_once_each_get_only_their_own_posters(mcp_url):
    product = product_data_url()

    def maker(index: int):
        async def work(session):
            recipe = {"copy_text": {"headline": f"Agent {index}"},
                      "export": {"platforms": ["jd_main", "taobao_main"], "sku": f"agent{index}"}}  # fmt: skip
            result = await session.call_tool("make_posters", {"product": product, "recipe": recipe})
            assert not result.isError, result.content
            return [item.text for item in result.content if item.type == "text"]

        return work

    async def both():
        return await asyncio.gather(*(_session(mcp_url, maker(i)) for i in (1, 2)))

    outputs = asyncio.run(both())
    zip_urls = []
    for index, texts in enumerate(outputs, start=1):
        # Gradio's MCP server returns a tool's results as one text: the list of its outputs.
        zip_file, manifest, _compliance, recipe_used, _notes = ast.literal_eval(texts[0])
        zip_url = zip_file["url"]
        assert recipe_used["export"]["sku"] == f"agent{index}"
        assert {row["sku"] for row in manifest} == {f"agent{index}"}
        assert {row["headline"] for row in manifest} == {f"Agent {index}"}
        archive = zipfile.ZipFile(io.BytesIO(httpx.get(zip_url, timeout=30).raise_for_status().content))
        rows = list(csv.DictReader(archive.read("manifest.csv").decode("utf-8-sig").splitlines()))
        assert sorted(r["file"] for r in rows) == sorted(r["file"] for r in manifest)
        assert all(
            name.startswith((f"agent{index}_", "manifest", "recipes/", "compliance")) for name in archive.namelist()
        )
        zip_urls.append(zip_url)
    assert zip_urls[0] != zip_urls[1]


def test_a_tool_error_carries_its_code(mcp_url):
    async def work(session):
        return await session.call_tool("ab_stats", {"results_csv": "/etc/passwd", "language": "zh"})

    result = asyncio.run(_session(mcp_url, work))
    assert result.isError and "[results_invalid]" in result.content[0].text and "A/B 结果表" in result.content[0].text
