"""pygments' PythonLexer, the same tokens in a fraction of the time.

    tokens = list(PythonLexer().get_tokens(code))     # as pygments.lexers.PythonLexer().get_tokens(code)

pygments' RegexLexer tries, at every position, the rules of its state one regular expression at a time (some
fifty for a name). This lexer tries only the rules that can begin with the character there, all at once: their
patterns joined into one alternation in the rules' order, so that the rule that matches is the first one pygments
would find. It then does what pygments does with that rule (its token or callback, its change of state), so the
tokens are the same. Which characters can begin a match of a pattern is read from its parse (re's own parser);
a pattern that may match nothing, or holds what is not read here, is tried at every character.
"""
import re
from re import _constants as sre
from re import _parser

from pygments.lexers.python import PythonLexer as _PygmentsLexer
from pygments.token import Error, Whitespace, _TokenType

CACHED_CHARACTERS = 4096  # per state, the characters whose rules are remembered (memory, not results)

_CATEGORIES = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
               sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}
_CHARACTER_FLAGS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.ASCII, "a"))
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_LEADING_FLAGS = re.compile(r"\(\?([ims]+)\)")  # (?i) at the start of a pattern: global, not allowed mid-pattern
_NUMBERED = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # references to groups, which joining the patterns renumbers


class PythonLexer(_PygmentsLexer):
    """pygments' PythonLexer with its rules tried as the module says."""

    def get_tokens_unprocessed(self, text, stack=("root",)):
        """(index, token type, text) of each token of `text`, as RegexLexer.get_tokens_unprocessed yields them."""
        states = _states(type(self))
        pos, statestack = 0, list(stack)
        state = states[statestack[-1]]
        while True:
            character = text[pos:pos + 1]
            match, rules = state.by_character.get(character) or state.at(character)
            m = match(text, pos) if match else None
            if m:
                rexmatch, action, new_state = rules[m.lastindex]
                if action is not None:
                    if type(action) is _TokenType:
                        yield pos, action, m.group()
                    else:
                        yield from action(self, rexmatch(text, pos))
                pos = m.end()
                if new_state is not None:
                    if isinstance(new_state, tuple):
                        for name in new_state:
                            if name == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif name == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(name)
                    elif isinstance(new_state, int):
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    else:
                        raise AssertionError(f"wrong state def: {new_state!r}")
                    state = states[statestack[-1]]
            elif pos >= len(text):
                break
            elif text[pos] == "\n":  # at the end of a line, back to root
                statestack = ["root"]
                state = states["root"]
                yield pos, Whitespace, "\n"
                pos += 1
            else:
                yield pos, Error, text[pos]
                pos += 1


def _states(lexer_class):
    """{state: _State} of a RegexLexer class, made once."""
    if "_fast_states" not in lexer_class.__dict__:
        lexer_class._fast_states = {name: _State(rules, lexer_class.flags)
                                    for name, rules in lexer_class._tokens.items()}
    return lexer_class._fast_states


class _State:
    """The rules of one state, and for each character the alternation of those that can begin with it."""

    def __init__(self, rules, flags):
        self.rules, self.flags = rules, flags
        self.patterns = [_joinable(rexmatch.__self__.pattern) for rexmatch, _, _ in rules]
        self.first = [_first_characters(rexmatch.__self__) for rexmatch, _, _ in rules]
        self.by_character, self.joined = {}, {}

    def at(self, character):
        """(match function or None, {group number: rule}) for a position where the text has `character` ('' at
        its end); by_character remembers them."""
        chosen = tuple(i for i, first in enumerate(self.first) if first is None or (character and first(character)))
        found = self.joined.get(chosen) or self._join(chosen)
        if len(self.by_character) < CACHED_CHARACTERS:  # a hostile text may hold every character there is
            self.by_character[character] = found
        return found

    def _join(self, chosen):
        if not chosen:
            joined = (None, {})
        else:
            rex = re.compile("|".join(f"(?P<r{i}>{self.patterns[i]})" for i in chosen), self.flags)
            joined = (rex.match, {rex.groupindex[f"r{i}"]: self.rules[i] for i in chosen})
        self.joined[chosen] = joined
        return joined


def _joinable(pattern):
    """`pattern` as it can stand in an alternation; raises ValueError if it cannot."""
    leading = _LEADING_FLAGS.match(pattern)
    if leading:
        pattern = f"(?{leading.group(1)}:{pattern[leading.end():]})"
    if _NUMBERED.search(pattern):
        raise ValueError(f"a pattern that refers to its groups: {pattern!r}")
    return pattern


def _first_characters(rex):
    """The match function of a pattern of one character that the first character of every match of the compiled
    pattern `rex` matches, or None when a match may be empty or that cannot be told."""
    items = []
    try:
        if not _firsts(_parser.parse(rex.pattern, rex.flags), rex.flags, items):
            return None
        return re.compile("|".join(f"(?{_scoped(flags)}:{_one_character(op, av)})" for op, av, flags in items)).match
    except (_Unsure, re.error):
        return None


class _Unsure(Exception):
    """A pattern holds what this module does not read."""


def _firsts(sequence, flags, items):
    """Add to `items` the (op, av, flags) that can match the first character of a match of `sequence` (parsed
    items); True if every match begins with one of them, False if a match may be empty (then what follows
    `sequence` may begin it). Raises _Unsure."""
    for op, av in sequence:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            items.append((op, av, flags))
            return True
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # they match no character
            continue
        if op is sre.SUBPATTERN:
            _, add, remove, inner = av
            if _firsts(inner, (flags | add) & ~remove, items):
                return True
        elif op is sre.ATOMIC_GROUP:
            if _firsts(av, flags, items):
                return True
        elif op is sre.BRANCH:
            if all([_firsts(branch, flags, items) for branch in av[1]]):
                return True
        elif op in _REPEATS:
            least, _, inner = av
            if _firsts(inner, flags, items) and least > 0:
                return True
        else:
            raise _Unsure(op)
    return False


def _one_character(op, av):
    """The parsed item (op, av) that matches one character, written as a pattern again."""
    if op is sre.ANY:
        return "."
    if op is sre.LITERAL:
        return _code(av)
    if op is sre.NOT_LITERAL:
        return f"[^{_code(av)}]"
    written = []
    for kind, value in av:
        if kind is sre.NEGATE:
            written.append("^")
        elif kind is sre.LITERAL:
            written.append(_code(value))
        elif kind is sre.RANGE:
            written.append(f"{_code(value[0])}-{_code(value[1])}")
        elif kind is sre.CATEGORY and value in _CATEGORIES:
            written.append(_CATEGORIES[value])
        else:
            raise _Unsure(kind)
    return f"[{''.join(written)}]"


def _code(point):
    return f"\\U{point:08x}"


def _scoped(flags):
    """The inline flags of `flags` that change which character a one-character pattern matches."""
    return "".join(letter for flag, letter in _CHARACTER_FLAGS if flags & flag)
