import pytest

from studio.errors import StudioError
from studio.recipe import CopyText
from studio.text import check_ad_words, check_copy, copy_categories, copy_occasions, suggest_copy

LISTED = [
    "最",
    "最佳",
    "最好",
    "第一",
    "唯一",
    "顶级",
    "国家级",
    "绝对",
    "100%",
    "全网最低",
    "NO.1",
    "最后一波",
    "治疗",
]


@pytest.mark.parametrize("word", LISTED)
def test_listed_words_are_flagged_with_a_suggestion(word: str) -> None:
    text = f"本店{word}好物"
    flags = check_ad_words(text)
    assert flags, word
    flag = flags[0]
    assert text[flag.start : flag.end] == flag.word
    assert word in flag.word or flag.word in word
    assert flag.suggestion and flag.suggestion not in ("", word)
    assert flag.word in flag.message and flag.suggestion in flag.message


@pytest.mark.parametrize(
    "text",
    [
        "最近上新",
        "最初的味道",
        "最后一天包邮",
        "第一次购买立减",
        "第一时间发货",
        "我的最爱",
        "bestow a gift",
        "新品上市 温和配方",
    ],
)
def test_ordinary_copy_is_left_alone(text: str) -> None:
    assert check_ad_words(text) == []


def test_longest_phrase_wins_and_latin_is_case_insensitive() -> None:
    flags = check_ad_words("最后一波 全网最低 Best choice")
    assert [f.word for f in flags] == ["最后一波", "全网最低", "Best"]


def test_check_copy_names_the_layer_and_never_edits() -> None:
    copy = CopyText(headline="销量第一", selling_points=["正品", "100%纯棉"], cta="立即购买")
    flags = check_copy(copy)
    assert {(f.layer, f.word) for f in flags} == {("headline", "第一"), ("point_2", "100%")}
    assert copy.headline == "销量第一"  # untouched


def test_every_template_suggestion_is_clean_and_valid() -> None:
    for category in copy_categories():
        for occasion in copy_occasions():
            for lang in ("zh", "en"):
                copy = suggest_copy(category, occasion, lang, seed=1)
                assert copy.headline and copy.cta and copy.badge
                assert check_copy(copy) == [], (category, occasion, lang)
    assert suggest_copy("food", "618", seed=1) == suggest_copy("food", "618", seed=1)
    assert {"double11", "618", "spring_festival", "new_arrival", "clearance"} <= set(copy_occasions())


def test_unknown_category_names_valid_ones() -> None:
    with pytest.raises(StudioError) as err:
        suggest_copy("spaceships", "618")
    assert "beauty" in err.value.hint
