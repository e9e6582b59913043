"""copydetect's filtered code of Python text, the same as copydetect makes it, from the tokens of
autograder/python_lexer.py (pygments' tokens, found in a fraction of the time).

    code, offsets = filter_code(text)          # = copydetect.utils.filter_code(text, name, "python")

The filtered code writes every name V, function name F, class name O and string part S (a quote as ") and
drops comments and whitespace; offsets (N x 2) say, at places of the filtered code, how many characters of the
text were dropped before them, which is how copydetect maps what it finds back to the text.
"""
import numpy as np
from copydetect import utils as copydetect_utils
from pygments import token

from .python_lexer import PythonLexer

LANGUAGE = "python"

_LEXER = PythonLexer()
_VARIABLES = (token.Name, token.Name.Variable, token.Name.Attribute)  # exactly these, not their subtypes
_WHAT_IS_WRITTEN = {}  # {token type: what filter_code writes for it (see _written)}


def filter_code(text, name="layers.py"):
    """(filtered code, offsets) of the Python `text`: what copydetect.utils.filter_code(text, name, "python")
    returns. Text the faster lexer fails on is filtered by copydetect itself."""
    try:
        return _filtered(_LEXER.get_tokens(text))
    except Exception:  # a student's text is hostile data; copydetect's own path gives the same result or error
        return copydetect_utils.filter_code(text, name, LANGUAGE)


def _filtered(tokens):
    """filter_code's loop over the (type, text) tokens, with what it writes for each type looked up once."""
    parts, offsets, length, dropped = [], [[0, 0]], 0, 0
    for ttype, text in tokens:
        written = _WHAT_IS_WRITTEN.get(ttype, False)
        if written is False:
            written = _WHAT_IS_WRITTEN[ttype] = _written(ttype)
        if written is None:
            parts.append(text)
            length += len(text)
        elif not written:
            offsets.append([length - 1, dropped])
            dropped += len(text)
        elif written == "S" and text in ("'", '"'):
            parts.append('"')
            length += 1
        else:
            parts.append(written)
            length += 1
            # filter_code records a class name's own length less one, not what was dropped so far
            offsets.append([length - 1, len(text) - 1 if written == "O" else dropped])
            dropped += len(text) - 1
    return "".join(parts), np.array(offsets)


def _written(ttype):
    """What filter_code writes for a token of type `ttype`: a letter, "" (nothing) or None (the token's text)."""
    if ttype in _VARIABLES:
        return "V"
    if ttype in token.Name.Function:
        return "F"
    if ttype in token.Name.Class:
        return "O"
    if ttype == token.Comment.Preproc or ttype == token.Comment.Hashbang:
        return "P"
    if ttype in token.Text or ttype in token.Comment:
        return ""
    if ttype in token.Literal.String:
        return "S"
    return None
