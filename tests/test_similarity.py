"""Similar submissions (autograder/similarity.py): a disguised copy is flagged where it was copied; correct
solutions written apart, unfinished stubs and code the whole class shares are not; copies come out as groups;
a link, a binary or an oversized file is skipped, never followed."""
import ast
import inspect
import keyword
import os
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import similarity
from autograder.bench import similarity as bench
from autograder.facts import ASSIGNMENT, STUDENT_LAYERS
from autograder.samples.edit import replace_function, solution_text, student_text
from autograder.samples.styles import keepdims, list_cache, nine_steps

TEMPLATE = similarity.TEMPLATE.read_text()
MAIN = ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")


def _definitions(text):
    lines = text.split("\n")
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno]) for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef)}


def filled_in(sources):
    """The template with MAIN filled in from `sources` ({function: source of its def}), the rest left stubs."""
    text = student_text()
    for name in MAIN:
        text = replace_function(text, sources[name])
    return text


def styled(module):
    return filled_in({name: inspect.getsource(getattr(module, name)) for name in MAIN})


def reference():
    return filled_in(_definitions(solution_text()))


def local_names(text):
    tree = ast.parse(text)
    return ({node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
            | {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)})


def disguised(text):
    """A copy of `text` as a student hides it: every variable and parameter renamed, the comments replaced, the
    spacing around operators taken away and blank lines added."""
    copy = bench.rename(text, {name: f"q{i}" for i, name in enumerate(sorted(local_names(text)))})
    lines = []
    for line in copy.split("\n"):
        if line.strip().startswith("#"):
            continue
        lines.append(re.sub(r" ([*+/-]) ", r"\1", line))
        if line.strip().startswith("def "):
            lines.append(line[:len(line) - len(line.lstrip())] + "    # written on my own")
        elif "=" in line and random.Random(line).random() < 0.3:
            lines.append("")
    return "\n".join(lines)


def shape(line):
    """`line` without whitespace, with every name but a keyword written V."""
    return "".join(re.sub(r"\b[A-Za-z_]\w*\b", lambda m: m.group() if keyword.iskeyword(m.group()) else "V",
                          line).split())


def holds_code(line):
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and '"""' not in line


def code_at(text, regions):
    """The shapes of the lines of `text` in `regions` that hold code."""
    lines = text.split("\n")
    return [shape(lines[n - 1]) for first, last in regions for n in range(first, last + 1) if holds_code(lines[n - 1])]


def flagged(findings):
    return [(pair.a, pair.b) for pair in findings.pairs]


def test_a_disguised_copy_is_flagged_and_its_regions_are_the_copied_lines():
    original = styled(keepdims)
    copy = disguised(original)
    assert local_names(original) and not local_names(original) & local_names(copy)  # every variable renamed
    codes = {"ada": original, "bob": copy, "cy": styled(nine_steps), "dee": styled(list_cache)}
    findings = similarity.find_similar(codes, TEMPLATE)
    assert flagged(findings) == [("ada", "bob")] and findings.groups == [("ada", "bob")]
    pair = findings.pairs[0]
    assert pair.similarity >= 0.95 and pair.shared >= similarity.MIN_SHARED
    # The regions are the lines of the three functions that hold code and are not the template's, in each file,
    # and hold the same code line for line.
    template_lines = TEMPLATE.split("\n")
    template_code = {shape(template_lines[n]) for n in range(len(template_lines)) if holds_code(template_lines[n])}
    for text, regions in ((original, pair.lines_a), (copy, pair.lines_b)):
        lines = text.split("\n")
        spans = [(node.lineno, node.end_lineno) for node in ast.parse(text).body
                 if isinstance(node, ast.FunctionDef) and node.name in MAIN]
        own = {n for start, end in spans for n in range(start + 1, end + 1)
               if holds_code(lines[n - 1]) and shape(lines[n - 1]) not in template_code}
        covered = {n for first, last in regions for n in range(first, last + 1)}
        assert {n for n in covered if holds_code(lines[n - 1])} == own and len(own) >= 20
    assert code_at(original, pair.lines_a) == code_at(copy, pair.lines_b)


NINE_STEPS = styled(nine_steps)


@settings(max_examples=15)
@given(st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), min_size=len(local_names(NINE_STEPS)),
                max_size=len(local_names(NINE_STEPS)), unique=True))
def test_renaming_the_variables_hides_nothing(new_names):
    original = NINE_STEPS
    names = sorted(local_names(original))
    taken = set(re.findall(r"\w+", original)) | {"np", "check_dout", "check_eps", "check_forward_args",
                                                 "check_affine_args"}
    mapping = {old: new + "_" for old, new in zip(names, new_names) if new + "_" not in taken}
    copy = bench.rename(original, mapping)
    findings = similarity.find_similar({"a": original, "b": copy, "c": styled(keepdims)}, TEMPLATE)
    assert flagged(findings) == [("a", "b")] and findings.pairs[0].similarity == 1.0


def test_correct_solutions_written_apart_in_different_styles_are_not_flagged():
    codes = {"reference": reference(), "keepdims": styled(keepdims), "list_cache": styled(list_cache),
             "nine_steps": styled(nine_steps)}
    assert similarity.find_similar(codes, TEMPLATE).pairs == []
    codes["copy"] = disguised(codes["list_cache"])  # the same comparison finds a copy among them
    assert flagged(similarity.find_similar(codes, TEMPLATE)) == [("copy", "list_cache")]


def test_unfinished_submissions_are_not_flagged_against_each_other():
    touched = TEMPLATE.replace("# YOUR CODE HERE", "# YOUR CODE HERE  (later)").replace(
        "    out, cache = None, None", "    out,cache = None,None")
    # the going-further stubs pasted a second time: lines difflib cannot match, the template's code all the same
    pasted = TEMPLATE + "\n\n" + TEMPLATE[TEMPLATE.index("def batchnorm_forward_sigma_eps("):]
    codes = {"a": TEMPLATE, "b": TEMPLATE, "c": touched, "d": pasted, "e": pasted, "f": styled(keepdims)}
    findings = similarity.find_similar(codes, TEMPLATE)
    assert findings.pairs == [] and findings.compared == 6 and findings.skipped == {}


# A block of code every student of the class writes, and a part each writes alone (numbers of their own).
SHARED_BLOCK = inspect.getsource(keepdims.batchnorm_backward).replace("def batchnorm_backward(", "def shared_helper(")


def _with_shared_block(student):
    rng = random.Random(student)
    own = "\n".join(f"    r{j} = {rng.randrange(2, 999)} * a {rng.choice('+-*/')} {rng.randrange(2, 999)} * b "
                    f"{rng.choice('+-*/')} {rng.randrange(2, 999)}" for j in range(10))
    return f"{TEMPLATE}\n\n{SHARED_BLOCK}\n\ndef own_helper(a, b):\n{own}\n    return r0\n"


def test_code_the_whole_class_shares_is_not_counted_once_the_class_is_large_enough():
    small = {f"s{i:02d}": _with_shared_block(i) for i in range(similarity.COMMON_LEAST)}
    findings = similarity.find_similar(small, TEMPLATE)
    assert findings.groups == [tuple(sorted(small))]  # too few students to tell common code from a copy
    assert len(findings.pairs) == len(small) * (len(small) - 1) // 2

    large = {f"s{i:02d}": _with_shared_block(i) for i in range(30)}
    large["copycat"] = disguised(large["s07"])
    findings = similarity.find_similar(large, TEMPLATE)
    assert findings.common_above == similarity.COMMON_LEAST
    assert flagged(findings) == [("copycat", "s07")]  # the shared block counts for no one; the copy still does


def test_identical_copies_come_out_as_one_group():
    file = styled(nine_steps)
    codes = {f"copy{i}": disguised(file) if i % 2 else file for i in range(5)}
    codes.update({"keep": styled(keepdims), "list": styled(list_cache), "ref": reference()})
    findings = similarity.find_similar(codes, TEMPLATE)
    assert findings.groups == [("copy0", "copy1", "copy2", "copy3", "copy4")]
    assert len(findings.pairs) == 10 and all(pair.similarity == 1.0 for pair in findings.pairs)


def test_the_shares_do_not_depend_on_how_the_counting_is_split(monkeypatch):
    codes = {"a": styled(keepdims), "b": disguised(styled(keepdims)), "c": styled(list_cache), "d": reference()}
    whole = similarity.find_similar(codes, TEMPLATE, threshold=0.05)
    monkeypatch.setattr(similarity, "MEETINGS", 50)
    assert similarity.find_similar(codes, TEMPLATE, threshold=0.05) == whole
    assert len(whole.pairs) >= 2  # something to compare beyond the copy


@settings(max_examples=40)
@given(st.one_of(st.text(max_size=3000), st.binary(max_size=200), st.none(), st.integers(),
                 st.text(alphabet='"\'#()[]{}\\\n\r\t :=x1\x00\ufeff', max_size=600)))
def test_no_students_text_stops_the_comparison(text):
    codes = {"odd": text, "a": styled(keepdims), "b": disguised(styled(keepdims))}
    findings = similarity.find_similar(codes, TEMPLATE)
    assert ("a", "b") in flagged(findings)
    assert findings.compared + len(findings.skipped) == 3
    assert all(0 <= pair.similarity <= 1 for pair in findings.pairs)


def test_a_file_too_large_or_not_text_is_skipped_with_the_reason():
    codes = {"huge": "x = 1\n" * (similarity.MAX_BYTES // 6 + 1), "bytes": b"x = 1\n", "ok": TEMPLATE}
    findings = similarity.find_similar(codes, TEMPLATE)
    assert set(findings.skipped) == {"huge", "bytes"} and findings.compared == 1
    assert "more than" in findings.skipped["huge"] and "not text" in findings.skipped["bytes"]


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="threshold"):
        similarity.find_similar({}, TEMPLATE, threshold=0)
    with pytest.raises(ValueError, match="codes"):
        similarity.find_similar(["a"], TEMPLATE)
    with pytest.raises(ValueError, match="template"):
        similarity.find_similar({}, None)


def _layers(out, student):
    path = out / "submitted" / student / ASSIGNMENT / STUDENT_LAYERS
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_reading_skips_links_binary_oversized_and_missing_files_and_follows_nothing(tmp_path):
    out = tmp_path / "out"
    outside = tmp_path / "elsewhere" / "layers.py"
    outside.parent.mkdir()
    outside.write_text(styled(nine_steps) + "\n# OUTSIDE THE COURSE\n")
    _layers(out, "ada").write_text(styled(keepdims))
    _layers(out, "bob").write_text(disguised(styled(keepdims)))
    _layers(out, "cy").write_bytes(styled(list_cache).encode() + b"\n# caf\xe9 \xff\n")  # not UTF-8
    _layers(out, "link").symlink_to(outside)
    folder = _layers(out, "linked_folder").parent
    os.rmdir(folder)
    folder.symlink_to(outside.parent, target_is_directory=True)
    _layers(out, "binary").write_bytes(b"import numpy as np\n\x00\x01\x02")
    _layers(out, "huge").write_text("x = 1\n" * (similarity.MAX_BYTES // 6 + 1))
    _layers(out, "missing").parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(_layers(out, "fifo"))  # opening it for reading must not wait for a writer
    (out / "submitted" / "stray_file").write_text("not a student folder")
    codes, unread = similarity.read_codes(out)
    assert sorted(codes) == ["ada", "bob", "cy"]
    assert "\ufffd" in codes["cy"] and not any("OUTSIDE THE COURSE" in text for text in codes.values())
    assert set(unread) == {"link", "linked_folder", "binary", "huge", "missing", "fifo", "stray_file"}
    assert "symbolic link" in unread["link"] and "symbolic link" in unread["linked_folder"]
    assert "binary" in unread["binary"] and "more than" in unread["huge"]
    assert "missing" in unread["missing"] and "not a regular file" in unread["fifo"]
    assert "not a folder" in unread["stray_file"]
    findings = similarity.find_similar_in(out)
    assert flagged(findings) == [("ada", "bob")] and set(findings.skipped) == set(unread)


def test_reading_a_folder_that_is_not_a_graded_course_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="out"):
        similarity.read_codes(tmp_path)


def test_the_benchmark_generates_distinct_submissions_and_finds_its_planted_copy(capsys):
    codes, drawn = bench.generate(12, random.Random(3))
    assert len(set(codes.values())) == 12 and set(drawn) == set(codes)
    assert all(ast.parse(text) for text in codes.values())
    assert bench.main(["--n", "12", "--rounds", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "the planted copy: flagged" in out and "<- the planted copy" in out


def test_the_benchmark_writes_its_class_and_the_samples_as_submissions_to_grade(tmp_path, capsys):
    from autograder.facts import NOTEBOOK
    from autograder.samples import SAMPLES

    folder = tmp_path / "class"
    assert bench.main(["--n", "6", "--rounds", "1", "--seed", "3", "--write", str(folder)]) == 0
    planted = re.search(r"one disguised copy planted: (\S+) and (\S+)", capsys.readouterr().out).groups()
    generated = sorted(f"student-{i:04d}" for i in range(1, 7))
    students = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))  # .outside: a link's target
    assert students == sorted(generated + [s.name for s in SAMPLES])
    assert all((folder / name / NOTEBOOK).is_file() for name in generated)
    codes = {name: (folder / name / STUDENT_LAYERS).read_text() for name in generated}
    assert len(set(codes.values())) == 6  # the copy is disguised, not the same file
    findings = similarity.find_similar(codes, similarity.TEMPLATE.read_text())
    assert [(pair.a, pair.b) for pair in findings.pairs] == [planted]
    assert bench.main(["--n", "6", "--rounds", "1", "--write", str(folder)]) == 2  # not over an existing folder
    assert "--write" in capsys.readouterr().err
