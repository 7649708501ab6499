import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.domain import (
    assign_lanes,
    check_no_overlap,
    check_offsets,
    first_overlap,
    move_boundary,
    overlaps,
    simple_tokens,
    snap_to_tokens,
    text_sha256,
    utf16_positions,
)
from annotator.errors import InvalidSpanError, OverlapError

TEXT = "Kim Jong-un visitó Pionyang."
# Tokens of TEXT as a tokenizer would give them: "Kim" "Jong-un" "visitó" "Pionyang" "."
STARTS = [0, len("Kim "), len("Kim Jong-un "), len("Kim Jong-un visitó "), len("Kim Jong-un visitó Pionyang")]
ENDS = [
    len("Kim"),
    len("Kim Jong-un"),
    len("Kim Jong-un visitó"),
    len("Kim Jong-un visitó Pionyang"),
    len(TEXT),
]


def test_offsets_accepted_inside_the_text():
    check_offsets(0, len(TEXT), len(TEXT))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-1, 3, "negative"),
        (3, 3, "empty"),
        (5, 3, "inverted"),
        (0, len(TEXT) + 1, "ends after the text"),
        (0.0, 3, "integer"),
        (True, 3, "integer"),
        ("0", 3, "integer"),
    ],
)
def test_bad_offsets_refused_with_reason(start, end, message):
    with pytest.raises(InvalidSpanError, match=message):
        check_offsets(start, end, len(TEXT))


def test_overlap_is_half_open():
    assert overlaps(0, 5, 4, 8)
    assert not overlaps(0, 5, 5, 8)  # touching is not overlapping
    assert overlaps(2, 3, 0, 10)


def test_first_overlap_finds_nested_and_identical():
    assert first_overlap([(0, 3), (4, 6)]) is None
    assert first_overlap([(0, 10), (12, 14), (2, 3)]) == ((0, 10), (2, 3))
    assert first_overlap([(4, 6), (4, 6)]) == ((4, 6), (4, 6))
    # a long span hides behind a short one that starts after it
    assert first_overlap([(0, 20), (5, 6), (10, 12)]) == ((0, 20), (5, 6))


def test_exclusive_layer_only():
    check_no_overlap([(0, 5), (2, 6)], "analysis")
    with pytest.raises(OverlapError, match="0-5 and 2-6 overlap in the entities layer"):
        check_no_overlap([(0, 5), (2, 6)], "entities")


def test_snap_expands_partial_selection_to_whole_tokens():
    # "im Jong" -> "Kim Jong-un"
    assert snap_to_tokens(1, len("Kim Jong"), STARTS, ENDS) == (0, len("Kim Jong-un"))
    # already on boundaries: unchanged
    assert snap_to_tokens(STARTS[3], ENDS[3], STARTS, ENDS) == (STARTS[3], ENDS[3])
    # whitespace only: unchanged; whitespace at the edges is dropped
    assert snap_to_tokens(3, 4, STARTS, ENDS) == (3, 4)
    assert snap_to_tokens(0, len("Kim "), STARTS, ENDS) == (0, len("Kim"))


def test_move_boundary_by_one_token():
    kim = (STARTS[0], ENDS[0])  # "Kim"
    assert move_boundary(*kim, "end", True, STARTS, ENDS) == (0, ENDS[1])  # "Kim Jong-un"
    assert move_boundary(0, ENDS[1], "end", False, STARTS, ENDS) == kim
    assert move_boundary(*kim, "end", False, STARTS, ENDS) == kim  # would be empty
    assert move_boundary(STARTS[1], ENDS[1], "start", True, STARTS, ENDS) == (0, ENDS[1])
    assert move_boundary(0, ENDS[1], "start", False, STARTS, ENDS) == (STARTS[1], ENDS[1])
    assert move_boundary(*kim, "start", True, STARTS, ENDS) == kim  # start of the text
    last = (STARTS[-1], ENDS[-1])
    assert move_boundary(*last, "end", True, STARTS, ENDS) == last  # end of the text


def test_simple_tokens_match_words_and_punctuation():
    assert simple_tokens(TEXT) == (STARTS, ENDS)


@given(st.integers(0, len(TEXT) - 1), st.integers(1, len(TEXT)))
def test_snap_contains_selection_and_lands_on_boundaries(a, b):
    start, end = min(a, b), max(a, b)
    if start == end:
        return
    snapped_start, snapped_end = snap_to_tokens(start, end, STARTS, ENDS)
    selected = TEXT[start:end]
    if selected.strip():
        # every non-blank selected character is kept, and both ends are token boundaries
        first_visible = start + len(selected) - len(selected.lstrip())
        last_visible = end - (len(selected) - len(selected.rstrip()))
        assert snapped_start <= first_visible and snapped_end >= last_visible
        assert snapped_start in STARTS
        assert snapped_end in ENDS
    else:
        assert (snapped_start, snapped_end) == (start, end)


def test_sha256_is_of_utf8_bytes():
    assert text_sha256("ñ") == hashlib.sha256(b"\xc3\xb1").hexdigest()
    assert text_sha256("a") != text_sha256("a\r\n")


def test_utf16_positions_count_astral_characters_twice():
    assert utf16_positions("abc")(3) == 3
    text = "a😀b"
    to_qt = utf16_positions(text)
    assert [to_qt(i) for i in range(len(text) + 1)] == [0, 1, 3, 4]


def test_lanes_keep_overlapping_ranges_apart():
    ranges = [(0, 10), (2, 5), (6, 12), (10, 20), (13, 14)]
    lanes = assign_lanes(ranges)
    assert lanes == [0, 1, 1, 0, 1]
    for i, a in enumerate(ranges):
        for j, b in enumerate(ranges):
            if i < j and lanes[i] == lanes[j]:
                assert not overlaps(*a, *b)


def test_one_clash_rule_and_its_sorted_form_agree():
    import random

    from annotator.domain import ANALYSIS, ENTITIES, Occupied, clashes

    assert clashes((0, 5), [(5, 9)], ENTITIES) is False  # touching is not sharing a character
    assert clashes((0, 5), [(4, 9)], ENTITIES) is True
    assert clashes((0, 5), [(0, 5)], ANALYSIS) is False  # analysis spans may overlap anything
    rng = random.Random(1)
    for _ in range(300):
        decided, position = [], 0
        for _ in range(rng.randint(0, 8)):  # one annotator's entities never overlap
            start = position + rng.randint(0, 4)
            end = start + rng.randint(1, 5)
            decided.append((start, end))
            position = end
        start = rng.randint(0, 40)
        end = start + rng.randint(1, 8)
        for layer in (ENTITIES, ANALYSIS):
            assert Occupied(layer, decided).clashes(start, end) == clashes((start, end), decided, layer)


def test_tokens_covering_is_every_token_sharing_a_character():
    import random

    from annotator.domain import tokens_covering

    rng = random.Random(7)
    for _ in range(300):
        starts, ends, position = [], [], 0
        for _ in range(rng.randint(0, 10)):
            start = position + rng.randint(0, 2)  # tokens may touch or leave spaces between them
            starts.append(start)
            ends.append(start + rng.randint(1, 4))
            position = ends[-1]
        start = rng.randint(0, position + 2)
        end = start + rng.randint(1, 6)
        expected = [i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if a < end and start < b]
        assert list(tokens_covering(start, end, starts, ends)) == expected


def test_one_span_order_puts_stacked_spans_side_by_side():
    from annotator.domain import Span, span_order

    def span(i, start, end, label, layer):
        return Span(i, 1, start, end, label, layer, "ana", "manual", "accepted")

    spans = [
        span(1, 5, 9, "SOURCE", "analysis"),
        span(2, 5, 9, "ORG", "entities"),
        span(3, 0, 20, "QUOTE", "analysis"),
        span(4, 5, 7, "PER", "entities"),
    ]
    assert [s.id for s in sorted(spans, key=span_order)] == [3, 4, 2, 1]


def test_a_search_hit_is_the_words_found_together():
    from annotator.domain import first_hit

    text = "Dijo que Kim Jong-un, el líder, y Kim viajaron a Pionyang."
    assert text[slice(*first_hit(text, "kim jong-un"))] == "Kim Jong-un"
    assert text[slice(*first_hit(text, "pionyang kim"))] == "Kim"  # the first word found, alone
    assert text[slice(*first_hit(text, '"el lider"'))] == "el líder"
    assert first_hit(text, "Seúl") is None
