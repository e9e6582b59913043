"""Take in a student's folder as data: regular files and folders, never links, within limits.

    refused = intake.copy_submission(folder, dest)

copies `folder` to the new folder `dest` and returns one sentence for each entry it
refused (empty if it took everything). Only two kinds of entry are taken:

- a folder (never a symbolic link to one);
- a regular file with no hard link outside the submission (its link count is the number
  of its names inside the folder), opened without following links and checked to be the
  file that was inspected, so that nothing can be swapped in between.

Symbolic links, hard links to outside files, FIFOs, sockets and devices are refused, and
so is whatever passes the limits below. The copy holds no link, so no later step
(nbgrader's copies, the feedback) can follow one.
A refused required file (REQUIRED) means the submission cannot be graded.
"""
import errno
import os
import shutil
import stat
from pathlib import Path

from .facts import NOTEBOOK, STUDENT_LAYERS

# Without these a submission is not graded at all.
REQUIRED = (NOTEBOOK, STUDENT_LAYERS)
IGNORED = ("__pycache__", ".ipynb_checkpoints")  # editor and interpreter leftovers, never copied
MAX_FILES = 500  # files and folders taken from one submission (the release has 41)
MAX_FILE_BYTES = 20 * 1024 * 1024  # one file
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all files of one submission together
MAX_DEPTH = 16  # folders inside folders
MAX_REFUSALS_LISTED = 10  # sentences about refused entries; the rest are counted


class SubmissionRefused(ValueError):
    """A required file of the submission could not be taken."""


def _kind(mode):
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def _inventory(folder):
    """[(relative path, lstat result)] of every entry below `folder`, folders before what they hold, sorted."""
    entries = []

    def walk(directory, relative, depth):
        with os.scandir(directory) as it:
            names = sorted(it, key=lambda e: e.name)
        for entry in names:
            if entry.name in IGNORED:
                continue
            path = f"{relative}{entry.name}"
            info = entry.stat(follow_symlinks=False)
            entries.append((path, info, depth))
            if stat.S_ISDIR(info.st_mode) and depth < MAX_DEPTH:
                walk(entry.path, f"{path}/", depth + 1)

    walk(folder, "", 0)
    return entries


def shown(text):
    """`text` (a file name, perhaps with bytes that are not UTF-8) as printable text for a report."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _why_refused(path, info, depth, names_inside):
    mode = info.st_mode
    if shown(path) != path:
        return f"{shown(path)}: a name that is not printable UTF-8 text"
    if stat.S_ISDIR(mode):
        return f"{path}: folders nested deeper than {MAX_DEPTH}" if depth >= MAX_DEPTH else None
    if not stat.S_ISREG(mode):
        return f"{path}: {_kind(mode)}, and only regular files and folders are graded"
    if info.st_nlink > names_inside[(info.st_dev, info.st_ino)]:
        return f"{path}: a hard link to a file outside the submission"
    if info.st_size > MAX_FILE_BYTES:
        return f"{path}: {info.st_size} bytes, more than the {MAX_FILE_BYTES} a file may have"
    return None


def _copy_file(source, target, info):
    """Copy the regular file `source`, refusing it if it is no longer the file `info` describes."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
            raise OSError(errno.ESTALE, "changed while it was being copied")
        with os.fdopen(os.dup(fd), "rb") as src, \
                open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644), "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)
            if dst.tell() > MAX_FILE_BYTES:
                raise OSError(errno.EFBIG, "grew past the limit while it was being copied")
    finally:
        os.close(fd)


def copy_submission(folder, dest):
    """Copy the submission `folder` into the new folder `dest`; returns the sentences on what was refused.

    Raises SubmissionRefused if a required file is missing or was refused.
    """
    folder, dest = Path(folder), Path(dest)
    if folder.is_symlink() or not folder.is_dir():
        raise SubmissionRefused(f"the submission {folder.name} is not a folder (a symbolic link?)")
    entries = _inventory(folder)
    names_inside = {}
    for _, info, _ in entries:
        key = (info.st_dev, info.st_ino)
        names_inside[key] = names_inside.get(key, 0) + 1
    # The required files and their folders are never crowded out of the limits by other files.
    reserved = {str(parent) for name in REQUIRED for parent in Path(name).parents if str(parent) != "."}
    reserved.update(REQUIRED)
    dest.mkdir(parents=True)
    refused, taken, over = [], set(), {}
    total = sum(info.st_size for path, info, _ in entries if path in REQUIRED and stat.S_ISREG(info.st_mode))
    for path, info, depth in entries:
        parent = os.path.dirname(path)
        if parent and parent not in taken:
            continue  # inside a refused folder: the folder's sentence covers it
        why = _why_refused(path, info, depth, names_inside)
        if why is None and path not in reserved:
            if len(taken) >= MAX_FILES:
                over.setdefault(f"past the {MAX_FILES} files and folders a submission may have", []).append(path)
                continue
            if stat.S_ISREG(info.st_mode) and total + info.st_size > MAX_TOTAL_BYTES:
                over.setdefault(f"past the {MAX_TOTAL_BYTES} bytes a submission may have in all", []).append(path)
                continue
        if why is None:
            try:
                if stat.S_ISDIR(info.st_mode):
                    (dest / path).mkdir()
                else:
                    _copy_file(folder / path, dest / path, info)
                    total += 0 if path in reserved else info.st_size
            except OSError as error:
                why = f"{path}: could not be read as a regular file ({error.strerror or error})"
        if why is None:
            taken.add(path)
        else:
            refused.append(why)
    refused += [f"{paths[0]}{f' and {len(paths) - 1} more' if len(paths) > 1 else ''}: {limit}"
                for limit, paths in over.items()]
    missing = [name for name in REQUIRED if name not in taken]
    if missing:
        reasons = [why for why in refused if why.split(":")[0] in missing]
        raise SubmissionRefused("required file " + " and ".join(missing) + " "
                                + (f"refused ({'; '.join(reasons)})" if reasons else "missing"))
    return summarized(refused)


def summarized(sentences, what="entries refused"):
    """At most MAX_REFUSALS_LISTED sentences, and a count of the rest."""
    if len(sentences) <= MAX_REFUSALS_LISTED:
        return list(sentences)
    return sentences[:MAX_REFUSALS_LISTED] + [f"and {len(sentences) - MAX_REFUSALS_LISTED} more {what}"]


def remove_links(folder):
    """Delete every entry below `folder` that copy_submission would refuse to take; returns their paths.

    For a folder the student's kernel could write to (an autograded submission, graded without
    the root sandbox): nbgrader's feedback step copies its files and would follow a link.
    """
    removed = []
    for directory, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISDIR(info.st_mode) or (stat.S_ISREG(info.st_mode) and info.st_nlink == 1):
                continue
            os.unlink(path)
            removed.append(os.path.relpath(path, folder))
        dirnames[:] = [d for d in dirnames if os.path.isdir(os.path.join(directory, d))]
    return removed
