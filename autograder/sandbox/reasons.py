"""Why a runner ended or refused, in the plain sentences people read. Every field of a runner's
message is the runner's word: checked for type, capped, and anything malformed is the
submission's `error`."""

from __future__ import annotations

from .. import messages as M
from ..status import Status
from .limits import EXC_TEXT_CAP, EXC_TYPE_CAP, RUNNER_NO_IPCNS, RUNNER_NO_NETNS, RUNNER_NO_SECCOMP, RUNNER_NO_VIEW, memory_text
from .remote import cap_text


def exit_code_text(code) -> str:
    if code is None:
        return ""
    return repr(code) if type(code) is int and abs(code) < 2**63 else repr(cap_text(code, 200))


def import_failure(header: dict, memory_mb: int) -> tuple[Status, str]:
    """The row for a runner's reply that says the import failed."""
    try:
        if "exit" in header:
            return M.import_exit(exit_code_text(header["exit"]))
        if header.get("import_error") == "syntax":
            line = header.get("line")
            line = line if type(line) is int else "?"
            return M.import_syntax_error(cap_text(header.get("msg", ""), 500), line)
        exc = header.get("exc")
        if header.get("import_error") == "exception" and isinstance(exc, dict):
            if exc.get("base") == "MemoryError":
                return M.import_out_of_memory(memory_text(memory_mb))
            return M.import_raised(cap_text(exc.get("type", "an exception"), EXC_TYPE_CAP),
                                   cap_text(exc.get("msg", ""), EXC_TEXT_CAP))
    except Exception:  # noqa: BLE001 - malformed in some other way: same answer as below
        pass
    return (Status.ERROR, "the submission's runner sent a malformed reply while being imported")


def confinement_problem(info: dict | None) -> str:
    """Why a runner never said it was confined (the grader's problem, not the submission's)."""
    code = (info or {}).get("code")
    if code == RUNNER_NO_NETNS:
        return "the runner could not get its own network namespace"
    if code == RUNNER_NO_SECCOMP:
        return "the runner could not install its seccomp filter (user namespaces)"
    if code == RUNNER_NO_IPCNS:
        return "the runner could not get its own IPC namespace"
    if code == RUNNER_NO_VIEW:
        return "the runner could not get its own read-only view of the filesystem"
    if (info or {}).get("signal") is not None:
        return f"the runner died before it was confined ({info.get('signame', info['signal'])})"
    return "the runner did not confirm its confinement"


def death_reason(info: dict | None, when: str, memory_mb: int) -> tuple[Status, str]:
    """(status, reason) for a runner that ended `when` ("during the call"), from the monitor's
    report `info` of how it ended."""
    if info and isinstance(info.get("stopped"), str):  # the monitor's own word (diskwatch.py), not the runner's
        return (Status.CRASHED, f"the runner was stopped {when}: it {cap_text(info['stopped'], 200)} "
                                "(the limit for one session)")
    if info and info.get("signal") is not None:
        sig, what, name = info["signal"], info.get("what", ""), info.get("signame", "")
        if name == "SIGKILL":
            return (Status.CRASHED, f"the runner was killed (SIGKILL) {when}; it probably ran out of memory "
                               f"(limit {memory_text(memory_mb)})")
        return (Status.CRASHED, f"the runner crashed {when}: {what} ({name})" if what else
                f"the runner crashed {when}: signal {sig}")
    if info and info.get("code") is not None:
        return (Status.ERROR, f"the submission's process exited (os._exit({info['code']})) {when}")
    return (Status.ERROR, f"the runner stopped answering {when}")
