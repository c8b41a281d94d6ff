"""A product with the listing fields filled, shared by the set and detail-page tests."""

from __future__ import annotations

import pytest

from studio.recipe import Recipe

LISTING_RECIPE = {
    "copy_text": {
        "headline": "清爽水润 一整天",
        "subline": "温和配方 敏感肌可用",
        "selling_points": ["24小时长效保湿", "无酒精 无香精", "植物精华配方", "清爽不黏腻"],
        "price": "99",
    },
    "listing": {
        "point_icons": ["drop", "shield", "leaf", ""],
        "specs": [
            {"key": "容量", "value": "500ml"},
            {"key": "材质", "value": "PET瓶身"},
            {"key": "保质期", "value": "3年"},
        ],
        "guarantees": ["7天无理由退换", "正品保障", "顺丰包邮"],
        "notes": ["取适量涂抹于面部，轻拍至吸收", "避免阳光直射，置于阴凉处"],
        "brand": "清泉之源",
        "brand_line": "自然好肌肤",
    },
}


@pytest.fixture
def listing_recipe() -> Recipe:
    return Recipe.model_validate(LISTING_RECIPE)
