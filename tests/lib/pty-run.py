#!/usr/bin/env python3
"""pty-run.py OUT [--input TEXT --after AFTER] -- CMD...: runs CMD on a
pseudo-terminal (TERM=xterm, 100 columns) and writes the raw bytes it
printed to OUT (a test reads them: no screenshots); TEXT is typed once
the bytes AFTER (a prompt's words) have appeared. Exits with CMD's exit
status."""
import os, pty, select, signal, struct, fcntl, termios, sys

def main():
    args = sys.argv[1:]
    out, typed, after = args.pop(0), None, None
    while args and args[0] != "--":
        opt, val = args.pop(0), args.pop(0)
        if opt == "--input": typed = val.encode()
        elif opt == "--after": after = val.encode()
    cmd = args[1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.environ.pop("NO_COLOR", None)
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    got = b""
    while True:
        r, _, _ = select.select([fd], [], [], 60)
        if not r:  # hung: a test fails, it does not wait forever
            os.kill(pid, signal.SIGKILL)
            break
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child's side closed
            break
        if not data:
            break
        got += data
        if typed is not None and after is not None and after in got:
            os.write(fd, typed)
            typed = None
    with open(out, "wb") as f:
        f.write(got)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
