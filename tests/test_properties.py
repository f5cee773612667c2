"""Property-based tests: any input gives a result or a located HandoutsError, never a traceback."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from handouts.content import Sheet, parse_sheet
from handouts.errors import HandoutsError
from handouts.po import Catalog, parse_po

from .conftest import HEADER

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CONTENT_PATH = Path("sheet.yaml")
PO_PATH = Path("fr.po")


def line_count(data: bytes) -> int:
    """Lines as an editor counts them: CRLF, LF and a lone CR each end a line."""
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


def assert_located(err: HandoutsError, path: Path, data: bytes) -> None:
    assert err.problems, "an error with no problem in it"
    for problem in err.problems:
        assert problem.message, problem
        assert problem.path == path, str(problem)
        assert problem.line is not None, f"no line: {problem}"
        assert 1 <= problem.line <= line_count(data) + 1, f"line {problem.line} of {line_count(data)}: {problem}"


def check_content(data: bytes) -> Sheet | None:
    try:
        result = parse_sheet(data, CONTENT_PATH)
    except HandoutsError as err:
        assert_located(err, CONTENT_PATH, data)
        return None
    assert isinstance(result, Sheet)
    return result


def check_po(data: bytes) -> Catalog | None:
    try:
        result = parse_po(data, PO_PATH, "fr")
    except HandoutsError as err:
        assert_located(err, PO_PATH, data)
        return None
    assert isinstance(result, Catalog)
    return result


# --- Content files -----------------------------------------------------------------------

KEYS = ["title", "summary", "review", "status", "reviewed_by", "reviewed_on", "what_to_do", "how_long",
        "what_is_happening", "what_to_avoid", "call_the_clinic", "get_urgent_help", "x", "a b", "é"]
VALUES = ['"Text"', "'single'", "no", "1:30", "01234", "#1a2b3c", "a: b: c", '"unclosed', "[]", "{}",
          "- item", "|", ">", "&anchor", "*alias", "!!str", "!tag", "? key", "%YAML 1.1", "---", "...",
          "2026-11-20", "draft", "reviewed", '"\\x"', '"\\u00e9"', "~", "null", "", "text #comment",
          "[a, b", "{a: 1", '"a"b', "@", "`", "\ufeff", "\u00a0", "\u2028", "\x85", "\r"]
FRAGMENTS = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(VALUES),
    st.sampled_from([": ", ":", "- ", "  ", "    ", "\t", "\n", "\n", "\n  ", "#", " #", '"', "'", ",", "\\"]),
    st.text(max_size=6),
)
YAMLISH = st.lists(FRAGMENTS, max_size=40).map("".join)


@SETTINGS
@given(st.text(max_size=300))
def test_content_any_text_gives_a_handout_or_a_located_error(text):
    check_content(text.encode("utf-8"))


@SETTINGS
@given(YAMLISH)
@example("title: \"a\"\n\x85x: y")
@example("a:\n  - b\n\u2028c")
@example("\r")
@example("a: b\r\rc: d: e")
@example("? [a, b]\n: c")
@example("&a x: *a")
@example("title: \"\\x\"")
@example("&a [*a, *a]")  # found: an alias to itself recursed without end
@example("[" * 2000 + "]" * 2000)  # found: deep nesting was a RecursionError
@example("\x1f")  # found: a control character gave an error without a line
def test_content_yamlish_text_gives_a_handout_or_a_located_error(text):
    check_content(text.encode("utf-8", "replace"))


@SETTINGS
@given(st.binary(max_size=300))
def test_content_any_bytes_give_a_handout_or_a_located_error(data):
    check_content(data)


# A valid file built from generated texts: loads, and keeps every text as typed.
SAFE_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, blacklist_characters="\"\\\x7f",
                           blacklist_categories=("Cc", "Cf")),
    min_size=1, max_size=40,
).filter(lambda s: s.strip())


@SETTINGS
@given(st.lists(SAFE_TEXT, min_size=8, max_size=8))
def test_content_valid_files_keep_every_text(texts):
    quoted = [f'"{t}"' for t in texts]
    data = (
        f"title: {quoted[0]}\nsummary: {quoted[1]}\nreview:\n  status: \"draft\"\n"
        f"what_is_happening:\n  - {quoted[2]}\nhow_long:\n  - {quoted[3]}\nwhat_to_do:\n  - {quoted[4]}\n"
        f"what_to_avoid:\n  - {quoted[5]}\ncall_the_clinic:\n  - {quoted[6]}\nget_urgent_help:\n  - {quoted[7]}\n"
    ).encode()
    sheet = check_content(data)
    assert sheet is not None
    assert [t.text for t in sheet.texts()] == [" ".join(t.split()) for t in texts]


# --- Catalogs ----------------------------------------------------------------------------

PO_FRAGMENTS = st.one_of(
    st.sampled_from(["msgid", "msgstr", "msgctxt", "msgid_plural", "msgstr[0]", "msgstr[1]", "msgstr[",
                     "msgstr[99999999999999999999]", "msgstr[-1]", "msgtsr", "#", "#,", "#, fuzzy", "#.",
                     "#:", "#~", "#~ msgid", "#|", "#~|"]),
    st.sampled_from([' "', '"', '""', '"x"', '\\', '\\n', '\\t', '\\"', '\\\\', '\\x', '\\xff', '\\777',
                     '\\0', '\\u00e9', '\\', '%', '%(phone)s', '{}', "\n", "\n", "\n\n", " ", "\t", "\r",
                     "\ufeff", "\x0c", "\x85", "\u2028", "Language: fr\\n", "Plural-Forms: nplurals=2;",
                     "charset=UTF-8", "[", "]"]),
    st.text(max_size=5),
)
POISH = st.lists(PO_FRAGMENTS, max_size=40).map("".join)


@SETTINGS
@given(st.binary(max_size=300))
def test_catalog_any_bytes_give_a_catalog_or_a_located_error(data):
    check_po(data)


@SETTINGS
@given(st.binary(max_size=200))
def test_catalog_any_bytes_after_a_valid_header(data):
    check_po(HEADER.encode() + data)


@SETTINGS
@given(POISH)
@example('msgstr[99999999999999999999999] "x"')
@example('msgid "a"\nmsgstr[x] "b"')
@example('msgid "a"\nmsgstr "\\777"')
@example('msgid "a"\nmsgstr "\\x"')
@example('msgctxt "c"\nmsgctxt "d"\nmsgid "a"\nmsgstr "b"')
@example('#~ msgstr "x"')
@example('"x"')
@example('msgid "a"\x0cmsgstr "b"')
@example('msgid "a"\n\x85msgstr "b"')
def test_catalog_po_like_text_gives_a_catalog_or_a_located_error(text):
    check_po(text.encode("utf-8", "replace"))
    check_po((HEADER + text).encode("utf-8", "replace"))


def po_escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


MESSAGE_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list('\\"\n\t\r%{}#: ')),
        st.characters(min_codepoint=0x20, max_codepoint=0x24FF, blacklist_categories=("Cs",)),
    ),
    max_size=30,
)


@SETTINGS
@given(st.dictionaries(MESSAGE_TEXT.filter(bool), MESSAGE_TEXT, min_size=1, max_size=6),
       st.booleans(), st.booleans())
def test_catalog_every_msgstr_round_trips(messages, split_lines, windows):
    body = ""
    for msgid, msgstr in messages.items():
        if split_lines and len(msgstr) > 1:
            middle = len(msgstr) // 2
            string = f'""\n"{po_escape(msgstr[:middle])}"\n"{po_escape(msgstr[middle:])}"'
        else:
            string = f'"{po_escape(msgstr)}"'
        body += f'msgid "{po_escape(msgid)}"\nmsgstr {string}\n\n'
    data = (HEADER + body).encode()
    if windows:
        data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    catalog = check_po(data)
    assert catalog is not None
    assert {e.msgid: e.msgstr for e in catalog.entries} == messages
    assert catalog.header["Language"] == "fr"
