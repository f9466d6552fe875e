"""SQL expressions for Chinese statistical text, shared by the set-based loader and region resolution.

DuckDB has no NFKC; publishers' files need only the part of it that folds full-width ASCII
(U+FF01-U+FF5E) and the ideographic space (U+3000) to their ASCII forms, which `translate` does
in one pass over a column (rule R1 in docs/feeds.md).
"""

from __future__ import annotations

_FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fold_sql(expr: str) -> str:
    """R1 as SQL: full-width forms folded to ASCII, every whitespace character removed.

    `translate` with a long mapping costs microseconds per value, so it runs only on values that
    hold a full-width character."""
    translated = (f"case when regexp_matches({expr}, '[\\x{{FF01}}-\\x{{FF5E}}\\x{{3000}}]') "
                  f"then translate({expr}, {sql_literal(_FULL_WIDTH)}, {sql_literal(_HALF_WIDTH)}) else {expr} end")
    return f"regexp_replace({translated}, '[\\s\\pZ\\x{{FEFF}}]+', '', 'g')"
