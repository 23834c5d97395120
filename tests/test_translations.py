"""The catalogues are complete and every word a reader sees goes through them.

- Every message extracted from webapp/ and templates/ is in each catalogue (da, sv, de),
  translated, not fuzzy, with the same placeholders as its source.
- No template has text outside `_()`/`{% trans %}`, and no Python module hands a literal
  string to `flash`, `abort`, a form field's label or a ValidationError.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

from webapp import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "webapp" / "translations"
TRANSLATED = ("da", "sv", "de")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def _extracted() -> set[str]:
    method_map = [
        ("webapp/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    options = {"templates/**.html": {"trimmed": "true"}, "templates/**.txt": {"trimmed": "true"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options, keywords={**KEYWORDS}
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted()


def _catalogue(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_message_is_in_the_catalogue(language, extracted):
    catalogue = _catalogue(language)
    present = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    missing = sorted(extracted - present)
    assert not missing, f"run `make translations` and translate: {missing[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(language):
    catalogue = _catalogue(language)
    problems = (
        ["the catalogue's header is fuzzy: pybabel compile skips it"] if catalogue.fuzzy else []
    )
    for message in catalogue:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {sources[0]!r}")
            continue
        expected = {m for m in PLACEHOLDER.findall(sources[-1])}
        for string in strings:
            if {m for m in PLACEHOLDER.findall(string)} != expected:
                problems.append(f"placeholders differ: {sources[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems[:30])


def test_a_catalogue_holds_no_message_the_code_no_longer_has(extracted):
    for language in TRANSLATED:
        present = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalogue(language)}
        stale = sorted(present - extracted - {""})
        assert not stale, f"{language}: run `make translations` to drop {stale[:10]}"


# -- Text left outside the catalogue --------------------------------------------------------

TEMPLATES = sorted((PROJECT_ROOT / "templates").rglob("*.html")) + sorted(
    (PROJECT_ROOT / "templates").rglob("*.txt")
)
# Words that are the same in every language: names, symbols and codes.
UNTRANSLATED_WORDS = {"Convene", "CSV", "Excel", "iCal", "ICS", "UTC", "Outlook", "Google", "Apple"}
HTML_MARKUP = re.compile(r"<!--.*?-->|<[^>]*>|&[a-z]+;|&#\d+;", re.S)
WORD = re.compile(r"[^\W\d_]{2,}")


def _visible_words(data: str) -> list[str]:
    text = HTML_MARKUP.sub(" ", data)
    return [word for word in WORD.findall(text) if word not in UNTRANSLATED_WORDS]


def _template_text(path: Path) -> list[str]:
    """Words in a template's plain text (outside tags and expressions) not in {% trans %}."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # lexing only
    # The plain text with a stand-in for each expression or tag, so that an HTML tag with
    # an expression in it (`<a href="{{ url }}">`) is still recognised as markup as a whole.
    text, in_trans, tag = [], False, None
    for _lineno, token_type, value in env.lex(path.read_text(encoding="utf-8")):
        if token_type in ("block_begin", "variable_begin"):
            text.append("\x00")
        if token_type == "name" and tag is None:
            tag = value
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        if token_type in ("block_end", "variable_end"):
            tag = None
        if token_type == "data" and not in_trans:
            text.append(value)
    return _visible_words("".join(text))


# A pattern of attribute values that are read by people: alt, title, placeholder, aria-label.
READABLE_ATTRIBUTE = re.compile(
    r'\b(?:alt|title|placeholder|aria-label)="([^"{]*[^\W\d_]{2,}[^"{]*)"'
)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_templates_have_no_text_outside_the_catalogue(path):
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        attributes = READABLE_ATTRIBUTE.findall(source)
        assert not attributes, f"readable attribute text not translated: {attributes}"
    words = _template_text(path)
    assert not words, f"text not wrapped in _() or {{% trans %}}: {words[:15]}"


MODULES = sorted((PROJECT_ROOT / "webapp").rglob("*.py"))
# Calls whose first argument (or `label`/`message`/`description` keyword) a reader sees.
READ_BY_PEOPLE = {"flash", "ValidationError", "StopValidation"}
FIELD_SUFFIX = "Field"


def _is_literal_text(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORD.search(node.value))
    return isinstance(node, ast.JoinedStr)


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize(
    "path",
    [m for m in MODULES if "migrations" not in m.parts],
    ids=lambda p: str(p.relative_to(PROJECT_ROOT)),
)
def test_modules_pass_no_literal_text_to_readers(path):
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node)
        candidates = []
        if name in READ_BY_PEOPLE or name == "abort":
            candidates = node.args[1:2] if name == "abort" else node.args[:1]
        elif name.endswith(FIELD_SUFFIX) and name[:1].isupper():
            candidates = node.args[:1]
        candidates += [k.value for k in node.keywords if k.arg in ("label", "message")]
        problems += [
            f"line {node.lineno}: {name}({ast.unparse(c)[:60]})"
            for c in candidates
            if _is_literal_text(c)
        ]
    assert not problems, "literal text a reader sees, not in the catalogue:\n" + "\n".join(problems)
