"""The formula allow-list (actderiv.lang.grammar): what is accepted, the exact refusal for the rest.

Every refusal is pinned whole, caret line included, because an off-by-one caret or a reworded hint
is exactly what a partial ``in`` check would let through.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from actderiv.errors import FormulaError
from actderiv.lang.grammar import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    Names,
    called_names,
    check_formula,
)
from actderiv.lang.parse import Scope, X, parse_formula

#: The names of a typical catalog entry: two parameters and one other entry it may call.
NAMES = Names.of(params=("alpha", "beta"), calls=("sigmoid",))


def refusal(text: str, names: Names = NAMES) -> str:
    """The text of the FormulaError that ``check_formula`` raises for ``text``."""
    with pytest.raises(FormulaError) as info:
        check_formula(text, names)
    return str(info.value)


# --------------------------------------------------------------------------------------------
# Accepted


@pytest.mark.parametrize(
    "text",
    [
        "x",
        "-x",
        "+x",
        "2*x + 1",
        "x/2 - 3",
        "x**2",
        "x**-1.5",
        "x**(1/2)",
        "x**(-1/3)",
        "x**64",
        "x**-64",
        "x**x",
        "2**x",
        "alpha*x",
        "x*sigmoid(beta*x)",
        "sigmoid(sigmoid(x))",
        "pi*x",
        "e**x",
        "0.01*x",
        "1e-3*x",
        "1_000*x",
        "1e12",
        "-1e12*x",
        "x if x > 0 else alpha*(exp(x) - 1)",
        "x if 0 < x < 6 else 0",
        "x if x > 0 and x < 1 or x == 2 else 0",
        "x if not x > 0 else 1",
        "x if x != 0 else 1",
        "x if x >= 0 else (0 if x <= -1 else x)",
        "max(0, x)",
        "min(max(0, x), 6)",
        "max(0, x, 1)",
        "clip(x, -1, 1)",
        "heaviside(x)",
        "log1p(exp(x))",
        "expm1(x)",
        "abs(x)/(1 + abs(x))",
        "sign(x)*sqrt(abs(x))",
        "x*erf(x/sqrt(2))/2 + erfc(x)",
        "x*tanh(log1p(exp(x)))",
        "asinh(x) + acosh(1 + x**2) + atanh(x/2) + atan(x) + asin(x/2) + acos(x/2)",
        "sin(x) + cos(x) + tan(x) + sec(x) + sech(x) + csch(x) + coth(x) + sinh(x) + cosh(x)",
        "  x  ",
        "((((x))))",
    ],
)
def test_accepted_formulas_return_their_syntax_tree(text: str) -> None:
    tree = check_formula(text, NAMES)

    assert isinstance(tree, ast.expr)
    assert ast.unparse(tree) == ast.unparse(ast.parse(text.strip(), mode="eval").body)


def test_y_is_accepted_only_when_names_allow_it() -> None:
    claim = "1 - y**2"

    assert ast.unparse(check_formula(claim, Names.of(allow_y=True))) == "1 - y ** 2"
    assert refusal(claim, Names()) == (
        "'y' (the output f(x)) is only allowed in claims about a derivative\n"
        "    1 - y**2\n"
        "        ^"
    )


def test_parameters_are_accepted_only_when_declared() -> None:
    assert ast.unparse(check_formula("a*x", Names.of(params=("a",)))) == "a * x"
    assert refusal("a*x", Names()) == "unknown name 'a'\n    a*x\n    ^"


def test_catalog_calls_are_accepted_only_when_declared() -> None:
    assert ast.unparse(check_formula("gelu(x)", Names.of(calls=("gelu",)))) == "gelu(x)"
    assert refusal("gelu(x)", Names()) == "unknown function 'gelu'\n    gelu(x)\n    ^^^^"


@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("x", []),
        ("exp(tanh(x))", []),
        ("x*sigmoid(beta*x)", ["sigmoid"]),
        ("exp(sigmoid(x)) + sigmoid(2*x)", ["sigmoid", "sigmoid"]),
    ],
)
def test_called_names_lists_catalog_calls_only(text: str, calls: list[str]) -> None:
    assert called_names(check_formula(text, NAMES)) == calls


# --------------------------------------------------------------------------------------------
# Refused: one row per kind of input, with the whole message


REFUSED: list[tuple[str, str]] = [
    # attribute and dunder access
    (
        "x.real",
        "attribute access (a.b) is not allowed in a formula\n    x.real\n    ^^^^^^",
    ),
    (
        "x.__class__",
        "attribute access (a.b) is not allowed in a formula\n    x.__class__\n    ^^^^^^^^^^^",
    ),
    (
        "x.__class__.__mro__[1].__subclasses__()",
        "only named functions can be called, as in exp(x)\n"
        "    x.__class__.__mro__[1].__subclasses__()\n"
        "    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "__builtins__",
        "dunder name '__builtins__' is not allowed in a formula\n"
        "    __builtins__\n"
        "    ^^^^^^^^^^^^",
    ),
    (
        "  x.real",
        "attribute access (a.b) is not allowed in a formula\n      x.real\n      ^^^^^^",
    ),
    # __import__ and builtins
    (
        "__import__('os')",
        "unknown function '__import__'\n    __import__('os')\n    ^^^^^^^^^^",
    ),
    (
        "__import__('os').system('ls')",
        "only named functions can be called, as in exp(x)\n"
        "    __import__('os').system('ls')\n"
        "    ^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    ("open('f')", "unknown function 'open'\n    open('f')\n    ^^^^"),
    ("eval('1')", "unknown function 'eval'\n    eval('1')\n    ^^^^"),
    ("exec('1')", "unknown function 'exec'\n    exec('1')\n    ^^^^"),
    ("getattr(x, 'real')", "unknown function 'getattr'\n    getattr(x, 'real')\n    ^^^^^^^"),
    ("globals()", "unknown function 'globals'\n    globals()\n    ^^^^^^^"),
    # statements cannot even parse in eval mode
    ("import os", "invalid syntax\n    import os\n    ^"),
    ("from os import system", "invalid syntax\n    from os import system\n    ^"),
    ("yield x", "invalid syntax\n    yield x\n    ^"),
    ("x if x < 0 else", "invalid syntax\n    x if x < 0 else\n    ^"),
    ("(x", "'(' was never closed\n    (x\n    ^"),
    # lambda, comprehensions, strings
    ("lambda: 1", "lambda is not allowed in a formula\n    lambda: 1\n    ^^^^^^^^^"),
    (
        "(lambda: x)()",
        "only named functions can be called, as in exp(x)\n    (lambda: x)()\n     ^^^^^^^^^",
    ),
    (
        "[x for x in (1, 2)]",
        "comprehensions are not allowed in a formula\n"
        "    [x for x in (1, 2)]\n"
        "    ^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "(x for x in (1, 2))",
        "comprehensions are not allowed in a formula\n"
        "    (x for x in (1, 2))\n"
        "    ^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "{x for x in (1, 2)}",
        "comprehensions are not allowed in a formula\n"
        "    {x for x in (1, 2)}\n"
        "    ^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "{x: 1 for x in (1, 2)}",
        "comprehensions are not allowed in a formula\n"
        "    {x: 1 for x in (1, 2)}\n"
        "    ^^^^^^^^^^^^^^^^^^^^^^",
    ),
    ("f'{x}'", "strings are not allowed in a formula\n    f'{x}'\n    ^^^^^^"),
    ("'x'", "str literals are not allowed in a formula\n    'x'\n    ^^^"),
    ("b'x'", "bytes literals are not allowed in a formula\n    b'x'\n    ^^^^"),
    # other literals and containers
    ("True", "bool literals are not allowed in a formula\n    True\n    ^^^^"),
    ("None", "NoneType literals are not allowed in a formula\n    None\n    ^^^^"),
    ("1j", "complex literals are not allowed in a formula\n    1j\n    ^^"),
    ("...", "ellipsis literals are not allowed in a formula\n    ...\n    ^^^"),
    ("[x]", "a list is not allowed in a formula\n    [x]\n    ^^^"),
    ("x, 1", "a tuple is not allowed in a formula\n    x, 1\n    ^^^^"),
    ("{}", "a dict is not allowed in a formula\n    {}\n    ^^"),
    # call syntax
    (
        "max(x, key=abs)",
        "keyword arguments are not allowed in a formula\n    max(x, key=abs)\n               ^^^",
    ),
    ("max(*x)", "*args is not allowed in a formula\n    max(*x)\n        ^^"),
    (
        "exp(x)(x)",
        "only named functions can be called, as in exp(x)\n    exp(x)(x)\n    ^^^^^^",
    ),
    # subscripts, walrus, await
    ("x[0]", "indexing (a[b]) is not allowed in a formula\n    x[0]\n    ^^^^"),
    ("(x := 1)", "assignment (:=) is not allowed in a formula\n    (x := 1)\n     ^^^^^^"),
    ("await x", "await is not allowed in a formula\n    await x\n    ^^^^^^^"),
    # operators
    ("x ^ 2", "'^' is not a power here: write a**b\n    x ^ 2\n    ^^^^^"),
    ("x // 2", "'//' is not allowed in a formula: write a/b\n    x // 2\n    ^^^^^^"),
    ("x % 2", "'%' is not allowed in a formula\n    x % 2\n    ^^^^^"),
    ("x @ x", "'@' is not allowed in a formula\n    x @ x\n    ^^^^^"),
    ("~x", "operator not allowed in a formula\n    ~x\n    ^^"),
    # unknown names, with a did-you-mean when one is close
    ("xx", "unknown name 'xx'\n    xx\n    ^^"),
    ("alpah", "unknown name 'alpah' (did you mean alpha?)\n    alpah\n    ^^^^^"),
    ("foo(x)", "unknown function 'foo'\n    foo(x)\n    ^^^"),
    (
        "tanhh(x)",
        "unknown function 'tanhh' (did you mean tanh or atanh?)\n    tanhh(x)\n    ^^^^^",
    ),
    (
        "sigmod(x)",
        "unknown function 'sigmod' (did you mean sigmoid?)\n    sigmod(x)\n    ^^^^^^",
    ),
    ("exp", "'exp' is a function: call it, as in exp(x)\n    exp\n    ^^^"),
    (
        "sigmoid",
        "'sigmoid' is a function: call it, as in sigmoid(x)\n    sigmoid\n    ^^^^^^^",
    ),
    # wrong arity
    ("exp(x, 1)", "exp() takes 1 argument(s), got 2\n    exp(x, 1)\n    ^^^^^^^^^"),
    ("exp()", "exp() takes 1 argument(s), got 0\n    exp()\n    ^^^^^"),
    ("max(x)", "max() takes at least 2 argument(s), got 1\n    max(x)\n    ^^^^^^"),
    ("clip(x, 1)", "clip() takes 3 argument(s), got 2\n    clip(x, 1)\n    ^^^^^^^^^^"),
    (
        "sigmoid(x, 2)",
        "catalog function sigmoid() takes 1 argument, got 2\n    sigmoid(x, 2)\n    ^^^^^^^^^^^^^",
    ),
    # comparisons used as values, and conditions that are not comparisons
    (
        "x < 0",
        "a comparison is a condition, not a number: write 'a if cond else b'\n    x < 0\n    ^^^^^",
    ),
    (
        "(x < 0) + 1",
        "a comparison is a condition, not a number: write 'a if cond else b'\n"
        "    (x < 0) + 1\n"
        "     ^^^^^",
    ),
    (
        "x > 0 and x",
        "a comparison is a condition, not a number: write 'a if cond else b'\n"
        "    x > 0 and x\n"
        "    ^^^^^^^^^^^",
    ),
    (
        "x or 1",
        "a comparison is a condition, not a number: write 'a if cond else b'\n"
        "    x or 1\n"
        "    ^^^^^^",
    ),
    (
        "x is None",
        "a comparison is a condition, not a number: write 'a if cond else b'\n"
        "    x is None\n"
        "    ^^^^^^^^^",
    ),
    ("not x", "'not' makes a condition, not a number; use it after 'if'\n    not x\n    ^^^^^"),
    (
        "x if x is 1 else 2",
        "comparison Is is not allowed\n    x if x is 1 else 2\n         ^^^^^^",
    ),
    (
        "x if x in x else 2",
        "comparison In is not allowed\n    x if x in x else 2\n         ^^^^^^",
    ),
    (
        "x if x else 1",
        "a condition must be a comparison, possibly joined by and/or/not\n"
        "    x if x else 1\n"
        "         ^",
    ),
    (
        "x if 1 else 2",
        "a condition must be a comparison, possibly joined by and/or/not\n"
        "    x if 1 else 2\n"
        "         ^",
    ),
    # exponents that would never finish, and huge numbers
    (
        "9**9**9",
        "a constant exponent must be a plain number such as 3 or 1/2\n    9**9**9\n       ^^^^",
    ),
    (
        "10**10**10",
        "a constant exponent must be a plain number such as 3 or 1/2\n"
        "    10**10**10\n"
        "        ^^^^^^",
    ),
    (
        "x**(2**3)",
        "a constant exponent must be a plain number such as 3 or 1/2\n    x**(2**3)\n        ^^^^",
    ),
    (
        "x**(1/0)",
        "a constant exponent must be a plain number such as 3 or 1/2\n    x**(1/0)\n        ^^^",
    ),
    ("2**1000", "exponent larger than 64 in magnitude\n    2**1000\n       ^^^^"),
    ("x**65", "exponent larger than 64 in magnitude\n    x**65\n       ^^"),
    ("x**-65", "exponent larger than 64 in magnitude\n    x**-65\n       ^^^"),
    ("x**(130/2)", "exponent larger than 64 in magnitude\n    x**(130/2)\n        ^^^^^"),
    ("1e999999", "number literal larger than 1e+12 in magnitude\n    1e999999\n    ^^^^^^^^"),
    ("1e13", "number literal larger than 1e+12 in magnitude\n    1e13\n    ^^^^"),
    (
        "9999999999999",
        "number literal larger than 1e+12 in magnitude\n    9999999999999\n    ^^^^^^^^^^^^^",
    ),
    (
        "1" * 41,
        "number literal longer than 40 characters\n    " + "1" * 41 + "\n    " + "^" * 41,
    ),
    (
        "0." + "0" * 38 + "1",
        "number literal longer than 40 characters\n    0." + "0" * 38 + "1\n    " + "^" * 41,
    ),
    # y outside claims
    (
        "y",
        "'y' (the output f(x)) is only allowed in claims about a derivative\n    y\n    ^",
    ),
    (
        "x if x < y else 1",
        "'y' (the output f(x)) is only allowed in claims about a derivative\n"
        "    x if x < y else 1\n"
        "             ^",
    ),
    # NUL bytes, line breaks, control characters
    ("x\x00", "formula contains a NUL byte\n    x?\n     ^"),
    ("exp(x)\x00+1", "formula contains a NUL byte\n    exp(x)?+1\n          ^"),
    ("x\n+1", "a formula must be on one line\n    x?+1\n     ^"),
    ("x\r+1", "a formula must be on one line\n    x?+1\n     ^"),
    ("x\t+ 1", "control character U+0009 is not allowed\n    x + 1\n     ^"),
    ("x\x1b[2J", "control character U+001B is not allowed\n    x?[2J\n     ^"),
    # non-ASCII and confusable Unicode
    (
        "\uff58",
        "character '\uff58' (U+FF58) is not allowed: formulas are plain ASCII\n    \uff58\n    ^",
    ),
    (
        "\u0445",
        "character '\u0445' (U+0445) is not allowed: formulas are plain ASCII\n    \u0445\n    ^",
    ),
    (
        "\u03b1*x",
        "character '\u03b1' (U+03B1) is not allowed: formulas are plain ASCII\n    \u03b1*x\n    ^",
    ),
    (
        "x\u200b+1",
        "character '\\u200b' (U+200B) is not allowed: formulas are plain ASCII\n    x?+1\n     ^",
    ),
    (
        "x\u202e+1",
        "character '\\u202e' (U+202E) is not allowed: formulas are plain ASCII\n    x?+1\n     ^",
    ),
    (
        "x\u00a0+ 1",
        "character '\\xa0' (U+00A0) is not allowed: formulas are plain ASCII\n    x?+ 1\n     ^",
    ),
    # nothing at all
    ("", "formula is empty"),
    ("   ", "formula is empty"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=[repr(t)[:40] for t, _ in REFUSED])
def test_refused_formulas_are_marked_exactly(text: str, message: str) -> None:
    assert refusal(text) == message


# --------------------------------------------------------------------------------------------
# Size limits: length, depth, number of parts


def test_limits_are_what_the_messages_below_assume() -> None:
    assert (MAX_LENGTH, MAX_DEPTH, MAX_NODES) == (2000, 64, 1000)


def test_formula_of_max_length_is_accepted() -> None:
    text = "x" + " " * (MAX_LENGTH - 1)

    assert ast.unparse(check_formula(text, NAMES)) == "x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x" + "+x" * 1000,
            "formula is 2001 characters long; at most 2000 are allowed\n"
            "    …+x+x+x+x+x+x+x+x+x+x+x+x+\n"
            "                             ^",
        ),
        (
            "(" * 10_000 + "x" + ")" * 10_000,
            "formula is 20001 characters long; at most 2000 are allowed\n"
            "    …(((((((((((((((((((((((((\n"
            "                             ^",
        ),
        (
            "x+" * 500_000 + "x",
            "formula is 1000001 characters long; at most 2000 are allowed\n"
            "    …+x+x+x+x+x+x+x+x+x+x+x+x+\n"
            "                             ^",
        ),
    ],
    ids=["2001 chars", "10_000 parentheses", "1 MB"],
)
def test_too_long_text_is_refused_before_parsing(text: str, message: str) -> None:
    assert refusal(text) == message


def test_deep_parentheses_are_refused_by_the_parser() -> None:
    text = "(" * 999 + "x" + ")" * 999

    assert refusal(text) == (
        "too many nested parentheses\n    …" + "(" * 72 + "…\n" + " " * 29 + "^"
    )


def test_calls_nested_to_max_depth_are_accepted() -> None:
    text = "exp(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)

    assert isinstance(check_formula(text, NAMES), ast.Call)


def test_calls_nested_deeper_than_max_depth_are_refused() -> None:
    text = "exp(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH

    assert refusal(text) == (
        "formula is nested more than 64 levels deep\n"
        "    …exp(exp(exp(exp(exp(exp(x" + ")" * 47 + "…\n" + " " * 29 + "^"
    )


def test_unary_minus_nested_deeper_than_max_depth_is_refused() -> None:
    assert isinstance(check_formula("-" * 63 + "x", NAMES), ast.UnaryOp)
    assert refusal("-" * 64 + "x") == (
        "formula is nested more than 64 levels deep\n    " + "-" * 64 + "x\n" + " " * 68 + "^"
    )


def test_more_parts_than_max_nodes_are_refused() -> None:
    accepted = "+".join(["x"] * (MAX_NODES // 2))  # 500 names and 499 sums: 999 parts
    refused = "+".join(["x"] * (MAX_NODES // 2 + 1))

    assert isinstance(check_formula(accepted, NAMES), ast.BinOp)
    assert refusal(refused) == (
        "formula has more than 1000 parts\n    " + "x+" * 36 + "…\n    " + "^" * 72
    )


@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_a_flat_chain_of_hundreds_of_terms_is_not_deep_nesting(op: str) -> None:
    text = op.join(["x"] * 300)  # 299 operators, leaning left: nesting depth 2, not 300

    assert isinstance(check_formula(text, NAMES), ast.BinOp)
    assert parse_formula(text, Scope({})) is not None


def test_parentheses_still_count_as_nesting() -> None:
    text = "x" + "+(x" * MAX_DEPTH + ")" * MAX_DEPTH

    assert refusal(text).startswith("formula is nested more than 64 levels deep")


def test_nested_powers_are_bounded_by_their_total_degree() -> None:
    assert isinstance(check_formula("((x+1)**8)**8", NAMES), ast.BinOp)  # degree 64
    assert refusal("(((x+1)**64)**64)**64") == (
        "nested powers multiply to an exponent larger than 64\n"
        "    (((x+1)**64)**64)**64\n"
        "     ^^^^^^^^^^^^^^^"
    )


@pytest.mark.parametrize("literal", ["1e-999", "1.5e-320", "0.001e-400", "2E-310"])
def test_underflowing_literals_are_refused_not_read_as_zero(literal: str) -> None:
    assert refusal(f"x*{literal}").startswith("number literal smaller than 2.225e-308 in magnitude")


def test_a_zero_literal_written_with_an_exponent_is_zero() -> None:
    assert parse_formula("x + 0.0e5", Scope({})) == parse_formula("x", Scope({}))


def test_max_takes_at_most_sixteen_arguments_and_stays_small() -> None:
    many = "max(" + ", ".join(f"x**{k % 5 + 1}/{k + 1}" for k in range(16)) + ")"
    expr = parse_formula(many, Scope({}))  # six of these took 83 s as nested folds

    assert len(expr.args) <= 16  # one piece per argument at most
    for x in (-2.5, -0.5, 0.0, 0.3, 1.7, 4.0):
        want = max((x ** (k % 5 + 1)) / (k + 1) for k in range(16))
        assert float(expr.subs(X, x)) == pytest.approx(want)
    assert refusal("max(" + ", ".join(["x"] * 17) + ")").startswith(
        "max() takes at most 16 arguments"
    )


def test_text_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(FormulaError) as info:
        check_formula(123, NAMES)  # type: ignore[arg-type]

    assert str(info.value) == "a formula must be text, not int"


# --------------------------------------------------------------------------------------------
# Nothing is ever evaluated


@pytest.fixture
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``eval`` and ``exec`` fail loudly, so that a call to either fails the test."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)


@pytest.mark.usefixtures("no_eval")
@pytest.mark.parametrize(
    "text",
    ["x*sigmoid(beta*x)", "x if x > 0 else alpha*(exp(x) - 1)", "max(0, x)", "1e-3*x**2"],
)
def test_checking_an_accepted_formula_never_evaluates_it(text: str) -> None:
    assert isinstance(check_formula(text, NAMES), ast.expr)


@pytest.mark.usefixtures("no_eval")
def test_a_shell_command_in_a_formula_is_refused_and_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "__import__('os').system('touch PWNED')"

    message = refusal(text)

    assert message == (
        "only named functions can be called, as in exp(x)\n"
        f"    {text}\n"
        "    " + "^" * len("__import__('os').system")
    )
    assert not (tmp_path / "PWNED").exists()


# --------------------------------------------------------------------------------------------
# Regressions: bugs found by these tests, since fixed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x(1)", "'x' is not a function\n    x(1)\n    ^"),
        ("pi(1)", "'pi' is not a function\n    pi(1)\n    ^^"),
        ("alpha(1)", "'alpha' is not a function\n    alpha(1)\n    ^^^^^"),
    ],
)
def test_calling_a_variable_is_refused_without_suggesting_itself(text: str, message: str) -> None:
    # Was: "unknown function 'x' (did you mean x?)".
    assert refusal(text) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo(x) + bar(x)", "unknown function 'foo'\n    foo(x) + bar(x)\n    ^^^"),
        (
            "y*(1 - y)",
            "'y' (the output f(x)) is only allowed in claims about a derivative\n"
            "    y*(1 - y)\n"
            "    ^",
        ),
        (
            "x.a + x[0]",
            "attribute access (a.b) is not allowed in a formula\n    x.a + x[0]\n    ^^^",
        ),
    ],
)
def test_the_first_problem_from_the_left_is_marked(text: str, message: str) -> None:
    # Was: the checker walked the tree right to left and marked the last problem.
    assert refusal(text) == message
