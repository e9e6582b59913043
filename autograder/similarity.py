"""Similar submissions: which students handed in much the same layers.py. It flags; it never changes a score.

    findings = find_similar_in(out)                # every student's layers.py under OUT/submitted
    codes, unread = read_codes(out)                # or in two steps: {student: text}, {student: why not read}
    findings = find_similar(codes, TEMPLATE.read_text())

Only a student's own code is compared: the lines of their layers.py that hold code (not blank, not
only a comment, not in a docstring) and that difflib does not match to the template's (the release's
layers.py), lines compared without whitespace, comments and names. It is fingerprinted with copydetect:
pygments tokens, comments and whitespace dropped, every name (variable, attribute, keyword argument)
written V, function names F, class names O and string contents S, so that renaming a variable or
rewording a comment hides nothing; every run of K characters of that filtered code is a fingerprint
(copydetect's hashed_kgrams). The filtered code is copydetect's filter_code, computed by filtered_code.py
from the same pygments tokens found faster (python_lexer.py).

Left out, so that what correct students write alike flags no one: the template's fingerprints
(copydetect's boilerplate: every run of K characters of its filtered code) and, as MOSS's -m option
does, fingerprints that more than COMMON_SHARE of the compared students have, and more than
COMMON_LEAST of them (so the rule applies only to classes larger than COMMON_LEAST, and a group of up
to COMMON_LEAST copies of one file is found in a class of any size).

similarity of a pair: the share of the smaller one's code (its filtered characters inside fingerprints
that are not left out; the smaller is the one with fewer) that is in fingerprints the other has too, as
copydetect's compare_files counts it for that student. A pair is flagged when its similarity is at
least the threshold and it shares at least MIN_SHARED characters. Flagged pairs join into groups
(connected components), so that five copies of one file are listed once. An inverted index of the
fingerprints counts what every pair shares; compare_files runs only on the pairs that are flagged.

Time: for the benchmark's class of 500 (python -m autograder.bench similarity --n 500 --rounds 3),
2.7-3.4 s on a 2-core machine under load (load average 3), of which about a third is tokenizing and
filtering and a quarter the inverted index; with copydetect's own filter_code it takes 9.2-9.8 s there.

A submission is hostile data: read_codes never follows a symbolic link, reads at most MAX_BYTES,
skips what is not a regular file or holds NUL bytes, and replaces invalid UTF-8; find_similar never
raises on a student's text, and says whom it could not compare and why.
"""
import difflib
import errno
import io
import keyword
import os
import re
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import get_copied_slices, hashed_kgrams

from .facts import ASSIGNMENT, RELEASE, ROOT, STUDENT_LAYERS
from .filtered_code import filter_code

TEMPLATE = ROOT / RELEASE / STUDENT_LAYERS  # what every student started from (the stubs)
SUBMITTED = "submitted"  # OUT/submitted/<student>/<assignment>/, as course.py lays it out

K = 25  # characters of filtered code per fingerprint (copydetect's default noise threshold): about two lines
WINDOW = 1  # every K-gram is a fingerprint (copydetect's default), so results do not depend on string hashing
THRESHOLD = 0.5  # similarity at which a pair is flagged
MIN_SHARED = 100  # filtered characters a flagged pair shares at least (about eight lines): a few lines prove nothing
COMMON_SHARE = 0.10  # a fingerprint more than this share of the class has is common code...
COMMON_LEAST = 5  # ...if more than this many students have it
MAX_BYTES = 64 * 1024  # of one layers.py (the template has 10 KB); a larger one is skipped
MEETINGS = 1 << 20  # pairs of fingerprint occurrences counted at once (memory, not results)


@dataclass(frozen=True)
class Pair:
    """Two students whose own code is much the same.

    - a, b: student ids, a < b
    - similarity: in [0, 1], the share of the smaller one's code the other has too (see the module)
    - shared: the characters of the smaller one's filtered code the other has too
    - lines_a, lines_b: the shared regions, ((first, last), ...) 1-based inclusive line numbers in
      each one's layers.py, in order; a region begins and ends on a line of code
    """

    a: str
    b: str
    similarity: float
    shared: int
    lines_a: tuple
    lines_b: tuple


@dataclass(frozen=True)
class Findings:
    """What find_similar found.

    - pairs: the flagged Pairs, most similar first
    - groups: the students of connected flagged pairs, each a sorted tuple of two or more ids, largest first
    - skipped: {student: why they were not compared}
    - compared: how many students were compared
    - common_above: code that more than this many of them have in common was left out
    """

    pairs: list
    groups: list
    skipped: dict
    compared: int
    common_above: int


class Unreadable(Exception):
    """A student's layers.py cannot be compared; the message says why."""


def read_codes(out):
    """Read every student's layers.py under OUT/submitted.

    Returns ({student: text}, {student: why it was not read}). Nothing is followed through a
    symbolic link; a file that is not regular, holds NUL bytes or is larger than MAX_BYTES is
    skipped; invalid UTF-8 is replaced (U+FFFD).
    """
    codes, skipped = {}, {}
    try:
        root = os.open(os.path.join(out, SUBMITTED), os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise ValueError(f"out: expected a graded course folder holding {SUBMITTED}/, got {out} "
                         f"({os.strerror(error.errno)})") from None
    try:
        for student in sorted(os.listdir(root)):
            try:
                codes[student] = _read_layers(root, student)
            except Unreadable as why:
                skipped[student] = str(why)
    finally:
        os.close(root)
    return codes, skipped


def _read_layers(root, student):
    """The text of <student>/<assignment>/<STUDENT_LAYERS> below the folder open as `root`; raises Unreadable."""
    parts = (student, ASSIGNMENT, *PurePosixPath(STUDENT_LAYERS).parts)
    opened = []
    try:
        folder = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            flags = os.O_RDONLY | os.O_NOFOLLOW | (os.O_NONBLOCK if last else os.O_DIRECTORY)
            try:
                folder = os.open(part, flags, dir_fd=folder)
            except OSError as error:
                raise Unreadable(_why_not_opened(folder, parts, depth, error)) from None
            opened.append(folder)
        info = os.fstat(folder)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"{STUDENT_LAYERS}: not a regular file")
        if info.st_size > MAX_BYTES:
            raise Unreadable(f"{STUDENT_LAYERS}: {info.st_size} bytes, more than the {MAX_BYTES} compared")
        data = b""
        while len(data) <= MAX_BYTES:
            chunk = os.read(folder, MAX_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as error:
        raise Unreadable(f"{STUDENT_LAYERS}: could not be read ({os.strerror(error.errno)})") from None
    finally:
        for fd in reversed(opened):
            os.close(fd)
    if len(data) > MAX_BYTES:
        raise Unreadable(f"{STUDENT_LAYERS}: more than the {MAX_BYTES} bytes compared")
    if b"\0" in data:
        raise Unreadable(f"{STUDENT_LAYERS}: binary (it holds NUL bytes)")
    return data.decode("utf-8", errors="replace")


def _why_not_opened(folder, parts, depth, error):
    """Why parts[depth] could not be opened in the folder open as `folder`."""
    where = "/".join(parts[1:depth + 1]) or "the student's folder"
    try:
        link = stat.S_ISLNK(os.stat(parts[depth], dir_fd=folder, follow_symlinks=False).st_mode)
    except OSError:
        link = False
    if link or error.errno == errno.ELOOP:
        return f"{where}: a symbolic link, not followed"
    if error.errno == errno.ENOENT:
        return f"{where}: missing"
    if error.errno == errno.ENOTDIR:
        return f"{where}: not a folder"
    return f"{where}: could not be opened ({os.strerror(error.errno)})"


def find_similar(codes, template, threshold=THRESHOLD):
    """Flag the pairs of students whose own code is much the same.

    Inputs:
    - codes: {student id (str): text of their layers.py}
    - template: the text of the layers.py they started from (TEMPLATE)
    - threshold: similarity in (0, 1] at which a pair is flagged

    Returns Findings. A student whose text cannot be compared is in Findings.skipped, never an error.
    """
    if not hasattr(codes, "items") or not all(isinstance(student, str) for student in codes):
        raise ValueError("codes: expected a mapping {student id (str): text of layers.py}")
    if not isinstance(template, str):
        raise ValueError(f"template: expected the text of the template's layers.py, got {type(template).__name__}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: expected a share in (0, 1], got {threshold!r}")
    own = _OwnLines(template)
    prints, skipped = {}, {}
    for student in sorted(codes):
        try:
            prints[student] = _Print(codes[student], own)
        except Exception as error:  # a student's text never stops the comparison of the others
            skipped[student] = (str(error) if isinstance(error, Unreadable)
                                else f"could not be fingerprinted ({type(error).__name__})")
    common_above = int(max(COMMON_SHARE * len(prints), COMMON_LEAST))
    lines = template.split("\n")
    template_code = _own_code([lines[number] for number in _code_lines(lines)])
    _leave_out(prints, np.unique(_kgrams(filter_code(template_code, STUDENT_LAYERS)[0])), common_above)
    pairs = [pair for pair in (_compare(a, prints[a], b, prints[b]) for a, b in _candidates(prints, threshold))
             if pair.similarity >= threshold and pair.shared >= MIN_SHARED]
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    return Findings(pairs, _groups(pairs), skipped, len(prints), common_above)


def find_similar_in(out, threshold=THRESHOLD):
    """find_similar on every student's layers.py under OUT/submitted, against TEMPLATE; the students skipped
    by the reading and by the comparison together in Findings.skipped."""
    codes, unread = read_codes(out)
    findings = find_similar(codes, TEMPLATE.read_text(), threshold)
    return Findings(findings.pairs, findings.groups, {**unread, **findings.skipped}, findings.compared,
                    findings.common_above)


class _OwnLines:
    """Tells a student's own lines from the template's: difflib on the lines that hold code, each without its
    whitespace, its comment and its names (all written V), so that neither a comment nor a renamed variable
    makes a template line the student's."""

    def __init__(self, template):
        self.matcher = difflib.SequenceMatcher(None, autojunk=False)
        lines = template.split("\n")
        self.matcher.set_seq2([_key(lines[number]) for number in _code_lines(lines)])  # difflib caches what it knows

    def __call__(self, lines):
        """The 0-based indexes, sorted, of the lines of `lines` (a student's file split at newlines) that hold code
        and are not matched to the template's."""
        code = _code_lines(lines)
        self.matcher.set_seq1([_key(lines[number]) for number in code])
        matched = set()
        for block in self.matcher.get_matching_blocks():
            matched.update(range(block.a, block.a + block.size))
        return [number for i, number in enumerate(code) if i not in matched]


def _key(line):
    if "#" in line and '"' not in line and "'" not in line:
        line = line[:line.index("#")]
    return "".join(_NAME.sub(_named, line).split())


_NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def _named(match):
    return match.group() if keyword.iskeyword(match.group()) else "V"


def _code_lines(lines):
    """The 0-based indexes of `lines` that hold code: not blank, not only a comment, not in a triple-quoted string.

    Only code is compared (tokenizing would drop the rest), and a line of a docstring without its opening quotes
    would be read as code, or its closing quotes would turn the code after them into a string.
    """
    code, inside = [], None  # inside: the quotes of the triple-quoted string open at the start of the line
    for number, line in enumerate(lines):
        opened = inside
        for quotes in _TRIPLE_QUOTES.findall(line):
            inside = quotes if inside is None else (None if quotes == inside else inside)
        stripped = line.strip()
        if opened is None and inside is None and stripped and not stripped.startswith("#"):
            code.append(number)
    return code


_TRIPLE_QUOTES = re.compile(r'"""|\'\'\'')


def _own_code(lines):
    """`lines` (lines of code) without their indentation, joined by newlines: the code that is fingerprinted."""
    # No carriage return or byte-order mark: pygments would turn the one into a newline and drop the other, and
    # the offsets that map the filtered code back to lines would be off.
    return "\n".join(line.strip().replace("\r", " ").replace("\ufeff", " ") for line in lines)


def _kgrams(filtered):
    """copydetect's fingerprint of each K-gram of the filtered code, by where it begins (WINDOW 1 keeps them all)."""
    return hashed_kgrams(filtered, K).astype(np.int64)  # an empty float array when shorter than K


class _Print:
    """One student's own code, fingerprinted.

    - code: the student's own lines that hold code, as _own_code writes them; filtered, offsets: copydetect's
      filter_code of it
    - numbers: the 0-based line, in the student's file, of each line of code
    - quiet: the lines of the file that hold no code (a shared region goes on across them)
    - hashes: the fingerprints, sorted; after leave_out, times (how often each occurs), grouped (where in
      filtered each occurrence starts, fingerprint by fingerprint), size and fp
    """

    def __init__(self, text, own_lines):
        if not isinstance(text, str):
            raise Unreadable(f"not text ({type(text).__name__})")
        if len(text) > MAX_BYTES:
            raise Unreadable(f"{STUDENT_LAYERS}: more than the {MAX_BYTES} characters compared")
        lines = text.split("\n")
        self.numbers = own_lines(lines)
        self.code = _own_code([lines[number] for number in self.numbers])
        self.filtered, self.offsets = filter_code(self.code, STUDENT_LAYERS)
        self.kgrams = _kgrams(self.filtered)
        self.line_starts = np.cumsum([0] + [len(line) + 1 for line in self.code.split("\n")[:-1]])
        self.quiet = set(range(len(lines))) - set(_code_lines(lines))
        self.hashes = np.unique(self.kgrams)

    def leave_out(self, template, common):
        """Leave out the fingerprints in `template` and in `common` (both sorted, unique); set times, grouped and
        size."""
        # Not CodeFingerprint's boilerplate argument: copydetect intersects with assume_unique=True, and a
        # fingerprint that occurs twice in the file is then taken for boilerplate.
        kept = np.flatnonzero(~np.isin(self.kgrams, np.union1d(template, common)))
        self.grouped = kept[np.argsort(self.kgrams[kept], kind="stable")]
        self.hashes, self.times = np.unique(self.kgrams[self.grouped], return_counts=True)
        self.size = _length(kept)  # what copydetect's get_token_coverage counts

    @cached_property
    def fp(self):
        """copydetect's CodeFingerprint of the code, holding only the fingerprints not left out (for compare_files,
        so made only for the students of candidate pairs)."""
        fp = CodeFingerprint(STUDENT_LAYERS, K, WINDOW, filter=False, fp=io.StringIO(self.filtered))
        ends, starts = np.cumsum(self.times).tolist(), self.grouped.tolist()
        fp.hash_idx = {h: starts[end - times:end]
                       for h, times, end in zip(self.hashes.tolist(), self.times.tolist(), ends)}
        fp.hashes, fp.token_coverage = set(fp.hash_idx), float(self.size)
        fp.raw_code, fp.offsets = self.code, self.offsets
        return fp

    def shared_starts(self, other):
        """Where, in this one's filtered code, fingerprints `other` has too begin (sorted)."""
        return np.sort(self.grouped[np.isin(self.kgrams[self.grouped], other.hashes)])

    def line_of(self, filtered_index):
        """The 0-based line, in the student's file, of the character at `filtered_index` of the filtered code."""
        offsets, position = self.offsets, filtered_index
        if len(offsets):  # as compare_files maps its slices back to the text
            position += int(offsets[min(np.searchsorted(offsets[:, 0], filtered_index), len(offsets) - 1), 1])
        position = min(max(position, 0), max(len(self.code) - 1, 0))
        return self.numbers[int(np.searchsorted(self.line_starts, position, side="right")) - 1]


def _leave_out(prints, template, most_students):
    """Leave out the template's fingerprints (sorted, unique) and those more than `most_students` students have."""
    common = template[:0]
    if len(prints) > most_students:
        own = [p.hashes[~np.isin(p.hashes, template, assume_unique=True)] for p in prints.values()]
        hashes, students = np.unique(np.concatenate(own), return_counts=True)
        common = hashes[students > most_students]
    for p in prints.values():
        p.leave_out(template, common)


def _candidates(prints, threshold):
    """The pairs (a, b), a < b, that share enough to be flagged: of the smaller one's code, at least MIN_SHARED
    characters and `threshold` of its size are in fingerprints the other has too."""
    students = list(prints)
    shared = _shared_characters([prints[s] for s in students])
    n = len(students)
    size = [prints[s].size for s in students]
    found = []
    for key in sorted(shared):
        i, j = divmod(key, n)
        if i < j:
            smaller, key_of_smaller = (i, key) if size[i] <= size[j] else (j, j * n + i)
            amount = shared[key_of_smaller]  # sharing is mutual: the reverse key is there
            if amount >= MIN_SHARED and amount >= threshold * size[smaller]:
                found.append((students[i], students[j]))
    return found


def _shared_characters(prints):
    """{i * len(prints) + j: characters of prints[i]'s filtered code in fingerprints prints[j] has too} for every
    ordered pair that shares any: what compare_files would count, for all pairs at once, from an inverted index."""
    n = len(prints)
    if n < 2:
        return {}
    # One posting per student and fingerprint: whose, which, and where its occurrences are in `starts`.
    owner = np.concatenate([np.full(len(p.hashes), i, dtype=np.int64) for i, p in enumerate(prints)])
    hashes = np.concatenate([p.hashes for p in prints])
    times = np.concatenate([p.times for p in prints])
    starts = np.concatenate([p.grouped for p in prints])
    offset = np.cumsum(times) - times
    # The index: postings sorted by fingerprint; each one's first posting of the same fingerprint and their number.
    order = np.argsort(hashes, kind="stable")
    new = np.r_[True, hashes[order][1:] != hashes[order][:-1]] if len(order) else np.array([], dtype=bool)
    first = np.flatnonzero(new)
    count = np.diff(np.r_[first, len(order)])
    group = np.cumsum(new) - 1
    first_of, count_of = np.repeat(first, count), count[group]
    # A posting meets every posting of its fingerprint; some students' postings at a time, for memory.
    by_student = np.argsort(owner[order], kind="stable")
    postings_of = np.cumsum(np.r_[0, np.bincount(owner, minlength=n)])
    shared = {}
    for low, high in _chunks(np.bincount(owner[order], weights=count_of, minlength=n)):
        mine = by_student[postings_of[low]:postings_of[high]]
        left = np.repeat(mine, count_of[mine])
        right = np.repeat(first_of[mine], count_of[mine]) + _counting(count_of[mine])
        left, right = order[left], order[right]
        apart = owner[left] != owner[right]
        left, right = left[apart], right[apart]
        # Each occurrence, in the left one's code, of a fingerprint the right one has too, by pair and place.
        pair = np.repeat(owner[left] * n + owner[right], times[left])
        where = starts[np.repeat(offset[left], times[left]) + _counting(times[left])]
        if len(pair):
            by = np.lexsort((where, pair))
            pair, where = pair[by], where[by]
            begins = np.r_[True, pair[1:] != pair[:-1]]
            covered = np.where(begins, K, np.minimum(np.diff(where, prepend=where[0]), K))  # what a K-gram adds
            firsts = np.flatnonzero(begins)
            shared.update(zip(pair[firsts].tolist(), np.add.reduceat(covered, firsts).tolist()))
    return shared


def _chunks(meetings):
    """Ranges (low, high) of students whose meetings add up to about MEETINGS (at least one student each)."""
    bounds, total = [0], 0
    for student, amount in enumerate(meetings.tolist()):
        if total and total + amount > MEETINGS:
            bounds.append(student)
            total = 0
        total += amount
    return list(zip(bounds, bounds[1:] + [len(meetings)]))


def _counting(lengths):
    """0, 1, ..., lengths[0] - 1, 0, 1, ..., lengths[1] - 1, ...: a count within each run."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def _compare(a, pa, b, pb):
    """The Pair of students a < b, from copydetect's comparison of their fingerprints."""
    _, (share_a, share_b), _ = compare_files(pa.fp, pb.fp)
    a_smaller = pa.size <= pb.size
    shared_a, shared_b = pa.shared_starts(pb), pb.shared_starts(pa)
    return Pair(a, b, min(float(share_a if a_smaller else share_b), 1.0), _length(shared_a if a_smaller else shared_b),
                _regions(pa, shared_a), _regions(pb, shared_b))


def _length(starts):
    """Characters inside the K-grams that begin at `starts` (sorted): what compare_files counts as shared."""
    return int(K + np.minimum(np.diff(starts), K).sum()) if len(starts) else 0


def _regions(p, starts):
    """((first, last), ...) 1-based lines of p's file inside the K-grams that begin at `starts` (sorted)."""
    lines = set()
    for start, end in zip(*get_copied_slices(starts, K).tolist()):  # the slices compare_files finds
        first, last = p.line_of(int(start)), p.line_of(int(end) - 1)
        lines.update(n for n in p.numbers if first <= n <= last)
    regions = []
    for number in sorted(lines):
        if regions and all(n in p.quiet for n in range(regions[-1][1] + 1, number)):
            regions[-1][1] = number
        else:
            regions.append([number, number])
    return tuple((first + 1, last + 1) for first, last in regions)


def _groups(pairs):
    """Connected components of the flagged pairs: sorted tuples of ids, largest first."""
    parent = {}

    def root(s):
        while parent.setdefault(s, s) != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    members = {}
    for s in parent:
        members.setdefault(root(s), []).append(s)
    return sorted((tuple(sorted(m)) for m in members.values()), key=lambda g: (-len(g), g))
