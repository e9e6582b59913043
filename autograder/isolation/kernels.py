"""Sandboxed kernels forked from a server that has already imported ipykernel (autograder/isolation/fork_client.py).

nbgrader starts one kernel per student through nbclient. With

    c.Execute.kernel_manager_class = "autograder.isolation.kernels.ForkingKernelManager"

a kernel whose kernelspec runs autograder.isolation.sandbox (course.write_kernelspec) is
forked from this process's fork server instead of started from nothing: the
same sandbox, the same kernel, without importing ipykernel and numpy again (about
half a second of CPU per student). Any other kernelspec, or a system without
pidfds, starts as jupyter_client always starts kernels. The
manager also waits for a kernel's start and end by events, where jupyter_client
waits a fixed 0.2 s for the one and polls every 0.1 s for the other.

The sandbox has no network, so the manager's kernels talk over ipc:// sockets: files
in a folder of each kernel's own, beside its connection file, which the kernelspec
hands to the sandbox (--connection-file) to be shown writable to that kernel only.
"""
import os
import sys
import tempfile
import time
import uuid
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import CaselessStrEnum, DottedObjectName, Type

from .. import course
from . import fork_client, sandbox


OUTPUT_TAIL = 4096  # bytes of a kernel's own output copied into the grading log


class ForkedProvisioner(LocalProvisioner):
    """jupyter_client's LocalProvisioner, launching sandboxed kernels through the fork server."""

    async def launch_kernel(self, cmd, **kwargs):
        launcher = sandbox.launcher()
        if cmd[:len(launcher)] != launcher:
            return await super().launch_kernel(cmd, **kwargs)
        self.cwd = kwargs.get("cwd") or os.getcwd()
        # What the kernel writes to its own stdout and stderr (os.write(1, ...) bypasses ipykernel's capture)
        # goes to a file of its own, unnamed, under its file-size limit: never into the shared grading log,
        # where a flood from one student would push every later kernel past that limit.
        self._output = tempfile.TemporaryFile()
        self.process = fork_client.spawn(cmd[len(launcher):], self.cwd, output=self._output.fileno())
        self.pid = self.pgid = self.process.pid  # the kernel starts a session of its own
        return self.connection_info

    sandbox_note = ""  # what the kernel's sandbox said of its end (sandbox.NOTE), once the kernel has ended

    async def kill(self, restart=False):
        if isinstance(self.process, fork_client.ForkedProcess):
            # The process that waits for the sandbox stops all of it at SIGTERM, then removes its control
            # group and says whether the system stopped any of its processes; SIGKILL would leave both undone.
            self.process.terminate()
        else:
            await super().kill(restart)

    async def cleanup(self, restart=False):
        await super().cleanup(restart)
        output = getattr(self, "_output", None)
        if output is not None and not restart:
            self._output = None
            size = output.seek(0, os.SEEK_END)
            output.seek(max(0, size - OUTPUT_TAIL))
            tail = output.read().decode("utf-8", errors="replace")
            output.close()
            self.sandbox_note = sandbox.memory_note_in(tail)
            if tail.strip():
                print(f"--- the kernel's own output ({size} bytes{', the end' if size > OUTPUT_TAIL else ''}):\n"
                      f"{tail}", file=sys.stderr, flush=True)

    async def wait(self):
        if isinstance(self.process, fork_client.ForkedProcess):
            await self.process.ended()
        return await super().wait()


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's kernel client, ready as soon as the kernel's startup messages have been read.

    jupyter_client's wait_for_ready reads IOPub until it has been quiet for 0.2 s: a fifth
    of a second of every student's grading spent waiting. The kernel publishes "idle" on
    IOPub once it has answered a request, and IOPub keeps the kernel's order, so the idle
    of the kernel_info request ends everything it published before.
    """

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                # A kernel_info without its idle (IOPub not yet connected) is asked again.
                if await self._idle_read(reply["parent_header"].get("msg_id"), timeout=0.2):
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    async def _idle_read(self, msg_id, timeout):
        """Read IOPub up to the idle status that ends the request msg_id; False if it did not come in time."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            try:
                msg = await self.iopub_channel.get_msg(timeout=left)
            except Empty:
                return False
            if (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == msg_id):
                return True
        return False


def _socket_base():
    """Where kernels' socket folders go: the runtime folder, unless its path leaves too little room.

    A socket's path may have at most 107 bytes; a kernel's is this folder, "/kernel-XXXXXXXX/ipc-N".
    """
    runtime = jupyter_runtime_dir()
    if len(os.fsencode(runtime)) <= 80:
        os.makedirs(runtime, exist_ok=True)
        return runtime
    return tempfile.gettempdir() if len(os.fsencode(tempfile.gettempdir())) <= 80 else "/tmp"


class ForkingKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, with the ForkedProvisioner where this system allows it."""

    client_class = DottedObjectName("autograder.isolation.kernels.ReadyKernelClient", config=True)
    client_factory = Type(ReadyKernelClient, klass=AsyncKernelClient, config=True)
    # The sandbox has no network: the kernel's sockets are files (see _async_pre_start_kernel).
    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    async def _async_pre_start_kernel(self, **kw):
        if self.transport == "ipc" and not self.connection_file:
            # The sandbox has no network: the kernel's sockets are files, in a folder of this kernel's own
            # with its connection file, which the sandbox shows it writable (--connection-file). Without
            # this, jupyter_client would put the connection file in /tmp and the sockets in the kernel's cwd.
            self._folder = tempfile.mkdtemp(prefix="kernel-", dir=_socket_base())
            self.connection_file = os.path.join(self._folder, "connection.json")
            self.ip = os.path.join(self._folder, "ipc")
        if self.provisioner is None and fork_client.available():
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkedProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart)
        if not restart and getattr(self, "_folder", None):
            course.remove_folder(self._folder)  # the kernel could write anything there, folders 10,000 deep

    async def _async_wait(self, pollinterval=0.1):
        process = getattr(self.provisioner, "process", None)
        if isinstance(process, fork_client.ForkedProcess) and self.owns_kernel:
            await process.ended()
        else:
            await super()._async_wait(pollinterval)
