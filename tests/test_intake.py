"""A submission is taken in as data: regular files and folders only, no link followed, within limits."""
import os
import socket
import stat

import pytest

from autograder import intake


@pytest.fixture
def submission(tmp_path):
    """A minimal submission: the two required files and a helper."""
    folder = tmp_path / "alice"
    (folder / "cs231n_style").mkdir(parents=True)
    (folder / "batchnorm_backward.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    (folder / "cs231n_style" / "layers.py").write_text("# mine\n")
    (folder / "cs231n_style" / "data.py").write_text("# helper\n")
    return folder


def _taken(dest):
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))


def test_regular_files_and_folders_are_copied_as_they_are(submission, tmp_path):
    dest = tmp_path / "copy"
    assert intake.copy_submission(submission, dest) == []
    assert _taken(dest) == ["batchnorm_backward.ipynb", "cs231n_style", "cs231n_style/data.py", "cs231n_style/layers.py"]
    assert (dest / "cs231n_style" / "layers.py").read_text() == "# mine\n"


@pytest.mark.parametrize("target", ["/etc/passwd", "../../elsewhere.py", "missing.py"])
def test_a_linked_helper_is_refused_and_the_rest_graded(submission, tmp_path, target):
    (submission / "cs231n_style" / "data.py").unlink()
    (submission / "cs231n_style" / "data.py").symlink_to(target)
    dest = tmp_path / "copy"
    assert intake.copy_submission(submission, dest) == [
        "cs231n_style/data.py: a symbolic link, and only regular files and folders are graded"]
    assert not os.path.lexists(dest / "cs231n_style" / "data.py")
    assert (dest / "cs231n_style" / "layers.py").is_file()


def test_a_linked_required_file_refuses_the_submission(submission, tmp_path):
    other = tmp_path / "bob_layers.py"
    other.write_text("# bob's work\n")
    (submission / "cs231n_style" / "layers.py").unlink()
    (submission / "cs231n_style" / "layers.py").symlink_to(other)
    with pytest.raises(intake.SubmissionRefused, match=r"required file cs231n_style/layers.py refused "
                                                       r"\(cs231n_style/layers.py: a symbolic link"):
        intake.copy_submission(submission, tmp_path / "copy")


def test_a_linked_folder_is_refused_without_being_entered(submission, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (submission / "extra").symlink_to(outside)
    dest = tmp_path / "copy"
    assert intake.copy_submission(submission, dest) == [
        "extra: a symbolic link, and only regular files and folders are graded"]
    assert "secret" not in " ".join(_taken(dest))


def test_a_linked_student_folder_is_refused(submission, tmp_path):
    (tmp_path / "mallory").symlink_to(submission)
    with pytest.raises(intake.SubmissionRefused, match="not a folder"):
        intake.copy_submission(tmp_path / "mallory", tmp_path / "copy")


def test_hard_links_count_only_when_every_name_is_inside(submission, tmp_path):
    outside = tmp_path / "solution.py"
    outside.write_text("# the solution\n")
    os.link(outside, submission / "cs231n_style" / "stolen.py")
    os.link(submission / "cs231n_style" / "data.py", submission / "cs231n_style" / "data_copy.py")
    dest = tmp_path / "copy"
    assert intake.copy_submission(submission, dest) == [
        "cs231n_style/stolen.py: a hard link to a file outside the submission"]
    assert (dest / "cs231n_style" / "data_copy.py").read_text() == "# helper\n"  # both names are inside
    assert os.stat(dest / "cs231n_style" / "data_copy.py").st_nlink == 1  # copied, not linked


def test_fifos_and_sockets_are_refused_without_being_opened(submission, tmp_path):
    os.mkfifo(submission / "pipe")  # opening it to read would wait for a writer forever
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(submission / "sock"))
        refused = intake.copy_submission(submission, tmp_path / "copy")
    assert refused == ["pipe: a FIFO, and only regular files and folders are graded",
                       "sock: a socket, and only regular files and folders are graded"]


def test_names_that_are_not_printable_text_are_refused_and_shown_escaped(submission, tmp_path):
    (submission / "new\nline.py").write_text("")
    os.close(os.open(os.path.join(os.fsencode(submission), b"bad\xffbyte.py"), os.O_CREAT | os.O_WRONLY))
    refused = intake.copy_submission(submission, tmp_path / "copy")
    assert refused == ["bad\\udcffbyte.py: a name that is not printable UTF-8 text",
                       "new\\nline.py: a name that is not printable UTF-8 text"]
    assert all(text.isprintable() for text in refused)


def test_a_file_over_the_size_limit_is_refused_unread(submission, tmp_path):
    with open(submission / "data.bin", "wb") as f:
        f.truncate(intake.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    assert intake.copy_submission(submission, tmp_path / "copy") == [
        f"data.bin: {intake.MAX_FILE_BYTES + 1} bytes, more than the {intake.MAX_FILE_BYTES} a file may have"]


def test_the_total_size_is_capped_but_never_at_the_cost_of_required_files(submission, tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_TOTAL_BYTES", 100)
    (submission / "a_big.txt").write_text("x" * 95)
    (submission / "b_small.txt").write_text("x" * 20)
    (submission / "cs231n_style" / "layers.py").write_text("y" * 90)
    refused = intake.copy_submission(submission, tmp_path / "copy")
    assert refused == ["a_big.txt and 2 more: past the 100 bytes a submission may have in all"]
    assert (tmp_path / "copy" / "cs231n_style" / "layers.py").read_text() == "y" * 90


def test_the_file_count_is_capped_but_never_at_the_cost_of_required_files(submission, tmp_path, monkeypatch):
    monkeypatch.setattr(intake, "MAX_FILES", 5)
    (submission / "aaa").mkdir()
    for i in range(20):
        (submission / "aaa" / f"{i:02}.txt").touch()
    dest = tmp_path / "copy"
    refused = intake.copy_submission(submission, dest)
    # 16 files of aaa/ and cs231n_style/data.py
    assert refused == ["aaa/04.txt and 16 more: past the 5 files and folders a submission may have"]
    assert (dest / "cs231n_style" / "layers.py").is_file() and (dest / "batchnorm_backward.ipynb").is_file()


def test_folders_nested_too_deep_are_refused(submission, tmp_path):
    deep = submission.joinpath(*["d"] * (intake.MAX_DEPTH + 3))
    deep.mkdir(parents=True)
    (deep / "x.txt").touch()
    refused = intake.copy_submission(submission, tmp_path / "copy")
    assert refused == ["/".join(["d"] * (intake.MAX_DEPTH + 1)) + f": folders nested deeper than {intake.MAX_DEPTH}"]


def test_a_missing_required_file_refuses_the_submission(submission, tmp_path):
    (submission / "batchnorm_backward.ipynb").unlink()
    with pytest.raises(intake.SubmissionRefused, match="required file batchnorm_backward.ipynb missing"):
        intake.copy_submission(submission, tmp_path / "copy")


def test_a_file_swapped_after_inspection_is_not_copied(submission, tmp_path):
    info = os.lstat(submission / "cs231n_style" / "data.py")
    os.replace(submission / "cs231n_style" / "layers.py", submission / "cs231n_style" / "data.py")
    with pytest.raises(OSError, match="changed while it was being copied"):
        intake._copy_file(submission / "cs231n_style" / "data.py", tmp_path / "data.py", info)
    assert not (tmp_path / "data.py").exists()


def test_remove_links_leaves_only_what_copy_submission_would_take(submission, tmp_path):
    outside = tmp_path / "grader_secret"
    outside.write_text("secret")
    (submission / "leak.txt").symlink_to(outside)
    (submission / "leakdir").symlink_to(tmp_path)
    os.link(outside, submission / "cs231n_style" / "hard.txt")
    os.mkfifo(submission / "pipe")
    assert sorted(intake.remove_links(submission)) == ["cs231n_style/hard.txt", "leak.txt", "leakdir", "pipe"]
    assert intake.copy_submission(submission, tmp_path / "copy") == []
    assert outside.read_text() == "secret"  # what the links pointed to is untouched
    assert stat.S_ISREG(os.lstat(submission / "cs231n_style" / "layers.py").st_mode)
