"""Calls the grader times from outside: the student's side of the autograder's speed check.

The check that batchnorm_backward_alt is faster than batchnorm_backward cannot
trust a clock in the student's process, which the student's import could patch.
So the grader runs this in the sandbox and asks it
for a few calls at a time, each on a dout of its own made from a seed it has
just chosen, and reads this process's CPU time from /proc while this process
waits for its next message. Nothing here measures or reports a time.

Messages are one JSON line each, followed by the raw bytes of the arrays the line
lists in "arrays" ([shape, dtype] each):

    grader -> here                          here -> grader
    {"case": eps}, x, gamma, beta           {"ready": true}
    {"call": name, "seeds": [s, ...],       {"armed": true}   (each dout made; name called once on the
     "warm_up": s or null}                                     warm-up seed's dout, if there is one)
    {"go": true}                            {"done": true}    (name called on each dout in turn)
    {"send": i}                             {"grads": true}, dx, dgamma, dbeta of timed call i
                                            (or {"grads": false}: not three numeric arrays)
    {"end": true}                           (nothing: this process ends)

Where the student's function raises, or is missing, the answer is {name: {"error": ...}}
instead ("forward" for batchnorm_forward), and this process ends.
"""
import json
import math
import os
import select
import time

import numpy as np

from .errors import raised

ARRAY_DTYPES = ("<f8", "<f4")  # what either side accepts; anything else is refused
MAX_CALLS = 16  # calls in one timing
MAX_LINE = 1 << 16
MAX_ARRAYS = 3  # in one message
MAX_ARRAY_BYTES = 64 * 1024 * 1024  # of one message's arrays together
# json's functions as they are before layers.py is imported (the probe imports this module first): a layers.py
# that replaces json.dumps or json.loads does not stop the channel or the probe's results.
dumps, loads = json.dumps, json.loads


class ChannelError(Exception):
    """The other side broke the protocol, went quiet past a deadline (timed_out), or ended."""

    def __init__(self, message, timed_out=False):
        super().__init__(message)
        self.timed_out = timed_out


class Channel:
    """Messages over a pair of file descriptors, each read with an optional deadline."""

    def __init__(self, read_fd, write_fd):
        self.read_fd, self.write_fd = read_fd, write_fd
        self.buffer = bytearray()

    def _fill(self, deadline):
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and (left <= 0 or not select.select([self.read_fd], [], [], left)[0]):
            raise ChannelError("no answer in time", timed_out=True)
        chunk = os.read(self.read_fd, 1 << 20)
        if not chunk:
            raise ChannelError("the other side ended")
        self.buffer += chunk

    def _take(self, count):
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def read_line(self, deadline=None):
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise ChannelError("a message line longer than the protocol allows")
            self._fill(deadline)
        return self._take(self.buffer.index(b"\n") + 1)

    def receive(self, deadline=None):
        """The next message and its arrays (writable float arrays): (dict, [array, ...])."""
        line = self.read_line(deadline)
        try:
            message = loads(line)
            if not isinstance(message, dict):
                raise ValueError
            specs = [(tuple(int(n) for n in shape), np.dtype(dtype)) for shape, dtype in message.pop("arrays", [])]
            sizes = [math.prod(shape) * dtype.itemsize for shape, dtype in specs]
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
            raise ChannelError("a message that is not what the protocol sends") from None
        if (len(specs) > MAX_ARRAYS or sum(sizes) > MAX_ARRAY_BYTES
                or any(dtype.str not in ARRAY_DTYPES or len(shape) > 2 or min(shape, default=0) < 0
                       for shape, dtype in specs)):
            raise ChannelError("arrays the protocol does not allow")
        arrays = []
        for (shape, dtype), nbytes in zip(specs, sizes):
            while len(self.buffer) < nbytes:
                self._fill(deadline)
            arrays.append(np.frombuffer(self._take(nbytes), dtype).reshape(shape).copy())
        return message, arrays

    def send(self, message, arrays=(), deadline=None):
        """Write a message; with a deadline, give up (ChannelError) when the other side stops reading."""
        arrays = [np.ascontiguousarray(a) for a in arrays]
        header = dict(message, arrays=[[list(a.shape), a.dtype.str] for a in arrays])
        data = dumps(header).encode() + b"\n" + b"".join(a.tobytes() for a in arrays)
        view = memoryview(data)
        if deadline is not None:
            os.set_blocking(self.write_fd, False)
        while view:
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [self.write_fd], [], left)[1]:
                    raise ChannelError("the other side stopped reading", timed_out=True)
            try:
                view = view[os.write(self.write_fd, view):]
            except BlockingIOError:
                continue


def _as_arrays(output):
    if not isinstance(output, tuple):
        return output
    return tuple(np.asarray(item) for item in output)


def _grads(output):
    """The student's (dx, dgamma, dbeta) as arrays the protocol carries, or None."""
    if not isinstance(output, tuple) or len(output) != 3:
        return None
    try:
        grads = [np.asarray(g) for g in output]
    except Exception:
        return None
    if not all(g.dtype.kind == "f" for g in grads):
        return None
    return [g.astype(np.float64 if g.dtype.itemsize > 4 else np.float32, copy=False) for g in grads]


def _raised(name, exc):
    return {"error": raised(name, exc)[:500]}


def dout_for(seed, shape):
    """The dout of one timed call (the grader makes the same one to check the call's result)."""
    return np.random.default_rng(seed).random(shape)


def serve(layers, channel):
    """Answer the grader's messages with calls of the module `layers`' functions, until it says "end"."""
    message, (x, gamma, beta) = channel.receive()
    try:
        output = layers.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": message["case"]})
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included, as the probe records them
        channel.send({"forward": _raised("batchnorm_forward", exc)})
        return
    cache = output[1] if isinstance(output, tuple) and len(output) == 2 else None
    channel.send({"ready": True})
    outputs = []
    while True:
        message, _ = channel.receive()
        if "end" in message:
            return
        if "send" in message:
            grads = _grads(outputs[message["send"]])
            channel.send({"grads": grads is not None}, grads or ())
            continue
        name = message["call"]
        function = getattr(layers, name, None)
        if not callable(function):
            channel.send({name: {"error": f"{name} is missing from layers.py"}})
            return
        douts = [dout_for(seed, x.shape) for seed in message["seeds"][:MAX_CALLS]]
        outputs = []
        try:
            if message.get("warm_up") is not None:  # untimed: the calls find the caches as a loop leaves them
                function(dout_for(message["warm_up"], x.shape), cache)
            channel.send({"armed": True})
            channel.receive()  # "go"
            for dout in douts:
                # As arrays within the timing: a result that computes itself when converted is timed too.
                outputs.append(_as_arrays(function(dout, cache)))
        except BaseException as exc:
            channel.send({name: _raised(name, exc)})
            return
        channel.send({"done": True})
