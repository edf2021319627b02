"""Catalog validation (actderiv.catalog.load): a good file loads; all problems reported at once.

Each error is pinned whole as ``file:line: activations.NAME[.field]: message``, so an off-by-one
line number fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from actderiv.catalog.load import load_catalog, parse_catalog
from actderiv.catalog.model import Catalog, Claims, KinkClaim, Reference
from actderiv.errors import CatalogError, CatalogErrors, Location, UnknownActivationError

VALID = """\
# A small catalog.

[activations.sigmoid]
title = "Logistic sigmoid"
aliases = ["logistic", "Sigmoid"]
expr = "1/(1 + exp(-x))"
tags = ["pytorch", "smooth"]
torch = "sigmoid"
references = [{ title = "The logistic function", year = 1838, authors = "Verhulst" }]
claims = { self_referential = "y*(1 - y)" }

[activations.swish]
title = "Swish"
aliases = ["SiLU-beta"]
expr = "x*sigmoid(beta*x)"
params = { beta = 1 }
notes = "beta = 1 gives SiLU"

[activations.relu]
title = "Rectified linear unit"
expr = "max(0, x)"
tags = ["piecewise"]
torch = "relu"
torch_kwargs = { inplace = false }

[activations.relu.claims]
derivative = "0 if x <= 0 else 1"
kinks = [{ x = "0", value = "0" }]
"""

#: The header of a minimal valid entry, three lines long; problems are appended below it.
ENTRY = '[activations.a]\ntitle = "A"\nexpr = "x"\n'


def errors_of(text: str) -> str:
    """The text of the CatalogError that ``parse_catalog`` raises for ``text``."""
    with pytest.raises(CatalogError) as info:
        parse_catalog(text, "cat.toml")
    return str(info.value)


@pytest.fixture
def catalog() -> Catalog:
    return parse_catalog(VALID, "cat.toml")


# --------------------------------------------------------------------------------------------
# A valid catalog


def test_valid_catalog_loads_in_file_order(catalog: Catalog) -> None:
    assert catalog.keys == ("sigmoid", "swish", "relu")
    assert len(catalog) == 3
    assert catalog.source == "cat.toml"


def test_valid_entry_is_read_exactly(catalog: Catalog) -> None:
    spec = catalog.require("sigmoid")

    assert {
        "name": spec.name,
        "title": spec.title,
        "expr": spec.expr,
        "aliases": spec.aliases,
        "params": spec.params,
        "tags": spec.tags,
        "references": spec.references,
        "notes": spec.notes,
        "torch": spec.torch,
        "torch_kwargs": spec.torch_kwargs,
        "claims": spec.claims,
        "location": spec.location,
        "expr_location": spec.expr_location,
    } == {
        "name": "sigmoid",
        "title": "Logistic sigmoid",
        "expr": "1/(1 + exp(-x))",
        "aliases": ("logistic", "Sigmoid"),
        "params": (),
        "tags": ("pytorch", "smooth"),
        "references": (Reference(title="The logistic function", year=1838, authors="Verhulst"),),
        "notes": "",
        "torch": "sigmoid",
        "torch_kwargs": (),
        "claims": Claims(self_referential="y*(1 - y)"),
        "location": Location("cat.toml", "activations.sigmoid", 3),
        "expr_location": Location("cat.toml", "activations.sigmoid.expr", 6),
    }


def test_parameters_are_floats_and_claims_in_sub_tables_are_read(catalog: Catalog) -> None:
    swish, relu = catalog.require("swish"), catalog.require("relu")

    assert swish.params == (("beta", 1.0),)
    assert isinstance(swish.params[0][1], float)
    assert swish.notes == "beta = 1 gives SiLU"
    assert relu.torch_kwargs == (("inplace", False),)
    assert relu.claims == Claims(
        derivative="0 if x <= 0 else 1", kinks=(KinkClaim(x="0", value="0"),)
    )


def test_entry_may_take_a_function_name_when_it_is_that_function() -> None:
    catalog = parse_catalog('[activations.tanh]\ntitle = "Tanh"\nexpr = "tanh(x)"\n', "cat.toml")

    assert catalog.keys == ("tanh",)


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "[activations]\n"])
def test_an_empty_catalog_loads_with_no_entries(text: str) -> None:
    # A user's own catalog (layered over the bundled one) may be empty.
    assert parse_catalog(text, "cat.toml").keys == ()


def test_load_catalog_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")

    catalog = load_catalog(path)

    assert catalog.keys == ("sigmoid", "swish", "relu")
    assert catalog.require("relu").location == Location(str(path), "activations.relu", 19)


def test_bundled_catalog_loads() -> None:
    catalog = load_catalog()

    assert len(catalog) > 10
    assert {"relu", "sigmoid", "gelu", "silu"} <= set(catalog.keys)


# --------------------------------------------------------------------------------------------
# Catalog.require: keys and aliases in any case, suggestions otherwise


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("sigmoid", "sigmoid"),
        ("SIGMOID", "sigmoid"),
        ("logistic", "sigmoid"),
        ("Logistic", "sigmoid"),
        ("silu-BETA", "swish"),
        ("ReLU", "relu"),
    ],
)
def test_require_finds_keys_and_aliases_in_any_case(catalog: Catalog, name: str, key: str) -> None:
    assert catalog.require(name).name == key
    assert name in catalog


@pytest.mark.parametrize(
    ("name", "message", "suggestions"),
    [
        ("sigmod", "cat.toml: no activation named 'sigmod' (did you mean sigmoid?)", ("sigmoid",)),
        (
            "logistik",
            "cat.toml: no activation named 'logistik' (did you mean sigmoid?)",
            ("sigmoid",),
        ),
        ("rel", "cat.toml: no activation named 'rel' (did you mean relu?)", ("relu",)),
        ("gelu", "cat.toml: no activation named 'gelu' (did you mean relu?)", ("relu",)),
        ("softmax", "cat.toml: no activation named 'softmax'", ()),
        ("", "cat.toml: no activation named ''", ()),
    ],
)
def test_require_reports_unknown_names_with_suggestions(
    catalog: Catalog, name: str, message: str, suggestions: tuple[str, ...]
) -> None:
    with pytest.raises(UnknownActivationError) as info:
        catalog.require(name)

    assert str(info.value) == message
    assert info.value.suggestions == suggestions
    assert name not in catalog


def test_with_tag_ignores_case(catalog: Catalog) -> None:
    assert [s.name for s in catalog.with_tag("PIECEWISE")] == ["relu"]
    assert [s.name for s in catalog.with_tag("pytorch")] == ["sigmoid"]


# --------------------------------------------------------------------------------------------
# One row per kind of problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # not TOML at all: the line comes from the TOML parser
        (
            '[activations.relu]\ntitle = "R"\nexpr = "max(0, x)\n',
            "cat.toml:3: not valid TOML: Illegal character '\\n' (at line 3, column 18)",
        ),
        (
            '[activations.relu]\ntitle = "R"\n\nexpr = = 1\n',
            "cat.toml:4: not valid TOML: Invalid value (at line 4, column 8)",
        ),
        (
            ENTRY + '\n[activations.a]\ntitle = "B"\n',
            "cat.toml:5: not valid TOML: Cannot declare ('activations', 'a') twice "
            "(at line 5, column 15)",
        ),
        # no entries
        ('title = "x"\n', "cat.toml: no [activations.NAME] tables found"),
        ("activations = 1\n", "cat.toml: no [activations.NAME] tables found"),
        # required fields
        (
            '[activations.relu]\nexpr = "max(0, x)"\n',
            "cat.toml:1: activations.relu: missing required field 'title'",
        ),
        (
            '[activations.relu]\ntitle = "R"\n',
            "cat.toml:1: activations.relu: missing required field 'expr'",
        ),
        # fields of the wrong kind
        (
            ENTRY + 'colour = "red"\n',
            "cat.toml:4: activations.a.colour: unknown field 'colour' (allowed: aliases, claims, "
            "expr, notes, params, references, symbols, tags, title, torch, torch_kwargs, "
            "unverified)",
        ),
        (
            '[activations.a]\ntitle = 1\nexpr = ["x"]\n',
            "cat.toml:2: activations.a.title: must be a string, not an integer\n"
            "cat.toml:3: activations.a.expr: must be a string, not an array",
        ),
        (ENTRY + 'aliases = "b"\n', "cat.toml:4: activations.a.aliases: must be a list of strings"),
        (ENTRY + "tags = [1]\n", "cat.toml:4: activations.a.tags: must be a list of strings"),
        (
            ENTRY + "torch = 1\n",
            "cat.toml:4: activations.a.torch: must be a string, not an integer",
        ),
        (
            ENTRY + "torch_kwargs = { inplace = [1] }\n",
            "cat.toml:4: activations.a.torch_kwargs: must be a table of keyword = string, "
            "number or boolean",
        ),
        # parameters
        (
            ENTRY + 'params = { a = "1" }\n',
            "cat.toml:4: activations.a.params: parameter 'a' must have a number as default, "
            "not a string",
        ),
        (
            ENTRY + "params = { a = true }\n",
            "cat.toml:4: activations.a.params: parameter 'a' must have a number as default, "
            "not a boolean",
        ),
        (
            ENTRY + "params = { a = inf }\n",
            "cat.toml:4: activations.a.params: parameter 'a' must be finite",
        ),
        (
            ENTRY + "params = { a = -nan }\n",
            "cat.toml:4: activations.a.params: parameter 'a' must be finite",
        ),
        (
            ENTRY + "params = 3\n",
            "cat.toml:4: activations.a.params: must be a table of name = number",
        ),
        (
            ENTRY + 'params = { x = 1, exp = 2, "a b" = 3, __class__ = 4 }\n',
            "cat.toml:4: activations.a.params: parameter name 'x' must be an ASCII identifier "
            "(no leading '_') other than x, y, e, pi and the function names\n"
            "cat.toml:4: activations.a.params: parameter name 'exp' must be an ASCII identifier "
            "(no leading '_') other than x, y, e, pi and the function names\n"
            "cat.toml:4: activations.a.params: parameter name 'a b' must be an ASCII identifier "
            "(no leading '_') other than x, y, e, pi and the function names\n"
            "cat.toml:4: activations.a.params: parameter name '__class__' must be an ASCII "
            "identifier (no leading '_') other than x, y, e, pi and the function names",
        ),
        # entry names
        (
            '[activations.ReLU]\ntitle = "R"\nexpr = "x"\n',
            "cat.toml:1: activations.ReLU: name must be snake_case: lower-case letters, digits "
            "and '_', starting with a letter",
        ),
        (
            '[activations.2relu]\ntitle = "R"\nexpr = "x"\n',
            "cat.toml:1: activations.2relu: name must be snake_case: lower-case letters, digits "
            "and '_', starting with a letter",
        ),
        (
            '[activations.exp]\ntitle = "E"\nexpr = "x"\n',
            "cat.toml:1: activations.exp: name 'exp' is reserved by the formula language "
            '(an entry may take it only with expr = "exp(x)")',
        ),
        (
            '[activations.x]\ntitle = "E"\nexpr = "x"\n',
            "cat.toml:1: activations.x: name 'x' is reserved by the formula language",
        ),
        (
            '[activations.pi]\ntitle = "E"\nexpr = "x"\n',
            "cat.toml:1: activations.pi: name 'pi' is reserved by the formula language",
        ),
        # aliases that clash, ignoring case
        (
            '[activations.relu]\ntitle = "R"\naliases = ["Lin"]\nexpr = "x"\n\n'
            '[activations.lin]\ntitle = "L"\nexpr = "x"\n',
            "cat.toml:6: activations.lin: name or alias 'lin' is already used by 'relu'",
        ),
        (
            '[activations.relu]\ntitle = "R"\naliases = ["Foo"]\nexpr = "x"\n\n'
            '[activations.lin]\ntitle = "L"\naliases = ["FOO"]\nexpr = "x"\n',
            "cat.toml:6: activations.lin: name or alias 'FOO' is already used by 'relu'",
        ),
        (
            '[activations.relu]\ntitle = "R"\nexpr = "x"\n\n'
            '[activations.lin]\ntitle = "L"\naliases = ["ReLU"]\nexpr = "x"\n',
            "cat.toml:5: activations.lin: name or alias 'ReLU' is already used by 'relu'",
        ),
        # formulas
        (
            '[activations.relu]\ntitle = "R"\nexpr = "tanhh(x)"\n',
            "cat.toml:3: activations.relu.expr: unknown function 'tanhh' "
            "(did you mean tanh or atanh?)\n"
            "    tanhh(x)\n"
            "    ^^^^^",
        ),
        (
            '[activations.relu]\ntitle = "R"\nexpr = "a*x"\n',
            "cat.toml:3: activations.relu.expr: unknown name 'a'\n    a*x\n    ^",
        ),
        (
            '# a comment\n\n[activations."a"]\ntitle = "A"\nexpr = "x.y"\n',
            "cat.toml:5: activations.a.expr: attribute access (a.b) is not allowed in a formula\n"
            "    x.y\n"
            "    ^^^",
        ),
        (
            '[activations.a]\ntitle = "A"\nexpr = "y"\n',
            "cat.toml:3: activations.a.expr: 'y' (the output f(x)) is only allowed in claims "
            "about a derivative\n"
            "    y\n"
            "    ^",
        ),
        (
            '[activations.a]\ntitle = "A"\nexpr = ""\n',
            "cat.toml:3: activations.a.expr: formula is empty",
        ),
        (
            ENTRY + 'params = { k = 1 }\n\n[activations.b]\ntitle = "B"\nexpr = "a(x, 2)"\n',
            "cat.toml:8: activations.b.expr: catalog function a() takes 1 argument, got 2\n"
            "    a(x, 2)\n"
            "    ^^^^^^^",
        ),
        # calls between entries
        (
            '[activations.a]\ntitle = "A"\nexpr = "b(x)"\n\n'
            '[activations.b]\ntitle = "B"\nexpr = "a(x)"\n',
            "cat.toml:3: activations.a.expr: cycle of calls between entries: a -> b -> a",
        ),
        (
            '[activations.a]\ntitle = "A"\nexpr = "b(x)"\n\n'
            '[activations.b]\ntitle = "B"\nexpr = "c(x)"\n\n'
            '[activations.c]\ntitle = "C"\nexpr = "2*a(x)"\n',
            "cat.toml:3: activations.a.expr: cycle of calls between entries: a -> b -> c -> a",
        ),
        (
            '[activations.a]\ntitle = "A"\nexpr = "x*a(x)"\n',
            "cat.toml:3: activations.a.expr: entry calls itself: a()\n    x*a(x)\n      ^",
        ),
        # references
        (
            ENTRY + 'references = "paper"\n',
            "cat.toml:4: activations.a.references: must be an array of tables "
            "{title, year, authors, link}",
        ),
        (
            ENTRY + "references = [1]\n",
            "cat.toml:4: activations.a.references: must be an array of tables "
            "{title, year, authors, link}",
        ),
        (
            ENTRY + "references = [{ year = 2000 }]\n",
            "cat.toml:4: activations.a.references: each reference needs a string title and may "
            "have year (integer), authors, link",
        ),
        (
            ENTRY + 'references = [{ title = "T", year = "2000" }]\n',
            "cat.toml:4: activations.a.references: each reference needs a string title and may "
            "have year (integer), authors, link",
        ),
        (
            ENTRY + 'references = [{ title = "T", year = true }]\n',
            "cat.toml:4: activations.a.references: each reference needs a string title and may "
            "have year (integer), authors, link",
        ),
        (
            ENTRY + 'references = [{ title = "T", doi = "10.1/x" }]\n',
            "cat.toml:4: activations.a.references: each reference needs a string title and may "
            "have year (integer), authors, link",
        ),
        # claims
        (ENTRY + 'claims = "y"\n', "cat.toml:4: activations.a.claims: must be a table"),
        (
            ENTRY + "claims = { derivative = 1 }\n",
            "cat.toml:4: activations.a.claims: claim 'derivative' must be a formula string",
        ),
        (
            ENTRY + 'claims = { proof = "1" }\n',
            "cat.toml:4: activations.a.claims: unknown claim 'proof' "
            "(allowed: derivative, kinks, self_referential)",
        ),
        (
            ENTRY + 'claims = { kinks = [{ x = "0" }] }\n',
            "cat.toml:4: activations.a.claims: each kink claim is a table {x = ..., value = ...}",
        ),
        (
            ENTRY + 'claims = { kinks = [{ x = "0", value = "1", torch = "1" }] }\n',
            "cat.toml:4: activations.a.claims: each kink claim is a table {x = ..., value = ...}",
        ),
        (
            ENTRY + 'claims = { kinks = [{ x = "0", value = "1e999999999" }] }\n',
            "cat.toml:4: activations.a.claims: a kink claim's x and value must be finite numbers "
            "below 1e12",
        ),
        (
            ENTRY + 'claims = { kinks = [{ x = "open(1)", value = "0" }] }\n',
            "cat.toml:4: activations.a.claims: a kink claim's x and value must be finite numbers "
            "below 1e12",
        ),
        (
            ENTRY + "claims = { kinks = [{ x = true, value = 0 }] }\n",
            "cat.toml:4: activations.a.claims: a kink claim's x and value must be finite numbers "
            "below 1e12",
        ),
        # claim formulas, in a sub-table (the line is the claim's own)
        (
            ENTRY + '\n[activations.a.claims]\nderivative = "x.y"\n',
            "cat.toml:6: activations.a.claims.derivative: attribute access (a.b) is not allowed "
            "in a formula\n"
            "    x.y\n"
            "    ^^^",
        ),
        (
            ENTRY + "\n[activations.a.claims]\nself_referential = \"__import__('os')\"\n",
            "cat.toml:6: activations.a.claims.self_referential: unknown function '__import__'\n"
            "    __import__('os')\n"
            "    ^^^^^^^^^^",
        ),
    ],
)
def test_each_problem_is_reported_with_file_line_and_key(text: str, message: str) -> None:
    assert errors_of(text) == message


def test_entry_problems_come_as_catalog_errors_with_locations() -> None:
    with pytest.raises(CatalogErrors) as info:
        parse_catalog('[activations.relu]\ntitle = "R"\nexpr = "tanhh(x)"\n', "cat.toml")

    [error] = info.value.errors
    assert error.location == Location("cat.toml", "activations.relu.expr", 3)


def test_unreadable_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"

    with pytest.raises(CatalogError) as info:
        load_catalog(path)

    assert str(info.value) == (
        f"{path}: cannot read catalog: [Errno 2] No such file or directory: '{path}'"
    )


# --------------------------------------------------------------------------------------------
# Several problems: all of them, at once, in line order

SEVERAL = """\
[activations.good]
title = "Good"
expr = "x"

[activations.NoTitle]
expr = "x"

[activations.typo]
title = "Typo"
expr = "tanhh(x)"

[activations.leaky]
title = "Leaky"
expr = "x if x > 0 else slope*x"
params = { slope = "0.01" }

[activations.ping]
title = "Ping"
aliases = ["GOOD"]
expr = "pong(x)"

[activations.pong]
title = "Pong"
expr = "ping(x)"
"""


def test_every_problem_in_a_file_is_reported_at_once() -> None:
    with pytest.raises(CatalogErrors) as info:
        parse_catalog(SEVERAL, "cat.toml")

    assert str(info.value) == (
        "cat.toml:5: activations.NoTitle: name must be snake_case: lower-case letters, digits "
        "and '_', starting with a letter\n"
        "cat.toml:5: activations.NoTitle: missing required field 'title'\n"
        "cat.toml:10: activations.typo.expr: unknown function 'tanhh' "
        "(did you mean tanh or atanh?)\n"
        "    tanhh(x)\n"
        "    ^^^^^\n"
        "cat.toml:15: activations.leaky.params: parameter 'slope' must have a number as default, "
        "not a string\n"
        "cat.toml:17: activations.ping: name or alias 'GOOD' is already used by 'good'\n"
        "cat.toml:20: activations.ping.expr: cycle of calls between entries: ping -> pong -> ping"
    )
    assert [(e.location.line if e.location else None) for e in info.value.errors] == [
        5,
        5,
        10,
        15,
        17,
        20,
    ]


# --------------------------------------------------------------------------------------------
# Known bugs


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            ENTRY + "\n[activations.a.claims]\nderivative = 1\n",
            "cat.toml:5: activations.a.claims: claim 'derivative' must be a formula string",
        ),
        (
            ENTRY + '\n[activations.a.params]\nk = "s"\n',
            "cat.toml:5: activations.a.params: parameter 'k' must have a number as default, "
            "not a string",
        ),
        (
            ENTRY + "\n[[activations.a.references]]\ntitle = 1\n",
            "cat.toml:5: activations.a.references: each reference needs a string title and may "
            "have year (integer), authors, link",
        ),
    ],
    ids=["claims", "params", "references"],
)
def test_problems_in_sub_tables_are_reported_at_their_own_line(text: str, message: str) -> None:
    assert errors_of(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[activations]\na = 1\n", "cat.toml:2: activations.a: must be a table"),
        (
            '[activations]\na = { title = "A", expr = "x.y" }\n',
            "cat.toml:2: activations.a.expr: attribute access (a.b) is not allowed in a formula\n"
            "    x.y\n"
            "    ^^^",
        ),
    ],
    ids=["not a table", "inline table"],
)
def test_entries_in_inline_tables_are_reported_with_a_line(text: str, message: str) -> None:
    assert errors_of(text) == message


def test_formula_problems_are_reported_alongside_field_problems() -> None:
    assert errors_of(ENTRY.replace('"x"', '"tanhh(x)"') + 'colour = "red"\n') == (
        "cat.toml:3: activations.a.expr: unknown function 'tanhh' (did you mean tanh or atanh?)\n"
        "    tanhh(x)\n"
        "    ^^^^^\n"
        "cat.toml:4: activations.a.colour: unknown field 'colour' (allowed: aliases, claims, "
        "expr, notes, params, references, symbols, tags, title, torch, torch_kwargs, unverified)"
    )


def test_a_call_to_an_entry_with_a_field_problem_is_not_reported_as_unknown() -> None:
    text = '[activations.a]\ntitle = 1\nexpr = "x"\n\n[activations.b]\ntitle = "B"\nexpr = "a(x)"\n'

    assert errors_of(text) == "cat.toml:2: activations.a.title: must be a string, not an integer"


@pytest.mark.parametrize("alias", ["exp", "TANH", "Pi"])
def test_aliases_may_fold_to_a_formula_name(alias: str) -> None:
    # Aliases are never called in formulas, so they cannot shadow a function; catalog.toml's
    # header allows them.
    catalog = parse_catalog(ENTRY.replace('expr = "x"', f'aliases = ["{alias}"]\nexpr = "x"'), "c")

    assert catalog.require(alias).name == "a"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (
            "claims = { derivative = \"__import__('os')\" }\n",
            "cat.toml:4: activations.a.claims.derivative: unknown function '__import__'\n"
            "    __import__('os')\n"
            "    ^^^^^^^^^^",
        ),
        (
            'claims = { self_referential = "y.__class__" }\n',
            "cat.toml:4: activations.a.claims.self_referential: attribute access (a.b) is not "
            "allowed in a formula\n"
            "    y.__class__\n"
            "    ^^^^^^^^^^^",
        ),
    ],
    ids=["derivative", "self_referential"],
)
def test_claims_in_an_inline_table_are_reported_at_their_line(claims: str, message: str) -> None:
    assert errors_of(ENTRY + claims) == message


@pytest.mark.parametrize(
    "text",
    [
        '[activations."foo\\n"]\ntitle = "T"\nexpr = "x"\n',
        '[activations.foo]\ntitle = "T"\nexpr = "a*x"\nparams = { "a\\n" = 1.0 }\n',
    ],
    ids=["name", "parameter"],
)
def test_a_name_ending_in_a_newline_is_refused(text: str) -> None:
    # Was: accepted (re.match with ^…$ lets a final newline through), and then written into
    # generated Python, C #defines and Markdown rows, breaking each.
    assert "must be" in errors_of(text)


def test_no_bundled_entry_repeats_a_sentence_of_its_notes() -> None:
    """Notes merged from several sources once carried the same sentences up to four times."""
    import re

    repeated = {}
    for spec in load_catalog():
        sentences = [s for s in re.split(r"(?<=\.)\s+", spec.notes) if len(s) > 15]
        if len(sentences) != len(set(sentences)):
            repeated[spec.name] = len(sentences) - len(set(sentences))

    assert repeated == {}
