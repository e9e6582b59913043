"""Where a student's code runs, and how it is started.

- sandbox.py: the sandbox (namespaces, an allow-list root, limits, a control group), run as a script;
- fork_server.py: a server that forks sandboxed programs with their imports already paid;
- fork_client.py: the grading process's side of it (spawn, ForkedProcess);
- kernels.py: nbgrader's kernel manager, whose kernels are forked sandboxed programs.
"""
