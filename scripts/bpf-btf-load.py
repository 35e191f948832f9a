#!/usr/bin/env python3
"""Ask the running kernel to check a raw BTF blob with the bpf(BPF_BTF_LOAD) syscall.

Usage: python3 scripts/bpf-btf-load.py FILE.btf

Exit status and output:
  0   the kernel accepted the BTF ("accepted" on stdout; the new BTF fd is closed at once)
  1   the kernel rejected it (its verifier log, or the errno when the log is empty, on stdout)
  2   usage error or unreadable file
  77  the check cannot run here: bpf() missing, not permitted (no CAP_BPF/CAP_SYS_ADMIN,
      seccomp, unprivileged BPF disabled) or not x86_64/aarch64 Linux

Only complete (non-split) BTF can be checked: BPF_BTF_LOAD has no way to name a base BTF
for user-supplied data, so split BTF (a module's .BTF over vmlinux) is always rejected by
the kernel as having a bad string section or unknown type ids.
"""

import ctypes
import errno
import os
import platform
import sys

BPF_BTF_LOAD = 18
SYSCALL_NR = {"x86_64": 321, "aarch64": 280, "arm64": 280}

SKIP = 77


class BtfLoadAttr(ctypes.Structure):
    # the BPF_BTF_LOAD part of union bpf_attr (include/uapi/linux/bpf.h)
    _fields_ = [
        ("btf", ctypes.c_uint64),
        ("btf_log_buf", ctypes.c_uint64),
        ("btf_size", ctypes.c_uint32),
        ("btf_log_size", ctypes.c_uint32),
        ("btf_log_level", ctypes.c_uint32),
        ("btf_log_true_size", ctypes.c_uint32),
        ("btf_flags", ctypes.c_uint32),
        ("btf_token_fd", ctypes.c_int32),
    ]


def skip(msg):
    print("skip: " + msg)
    sys.exit(SKIP)


def btf_load(libc, nr, data, log_size):
    """One BPF_BTF_LOAD; log_size 0 asks for no log. Returns (fd or -1, errno, log text)."""
    blob = ctypes.create_string_buffer(data, len(data))
    log = ctypes.create_string_buffer(log_size) if log_size else None
    attr = BtfLoadAttr()
    attr.btf = ctypes.addressof(blob)
    attr.btf_size = len(data)
    if log is not None:
        attr.btf_log_buf = ctypes.addressof(log)
        attr.btf_log_size = log_size
        attr.btf_log_level = 1
    fd = libc.syscall(nr, BPF_BTF_LOAD, ctypes.byref(attr), ctypes.sizeof(attr))
    err = ctypes.get_errno() if fd < 0 else 0
    return fd, err, log.value.decode("utf-8", "replace") if log is not None else ""


def main(argv):
    if len(argv) != 2:
        print("usage: bpf-btf-load.py FILE.btf", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            data = f.read()
    except OSError as e:
        print(f"cannot read {argv[1]}: {e.strerror}", file=sys.stderr)
        return 2

    nr = SYSCALL_NR.get(platform.machine())
    if sys.platform != "linux" or nr is None:
        skip(f"bpf() syscall number unknown on {sys.platform}/{platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    # the verdict first, without a log (a log of every type of a big BTF would not fit);
    # then, if rejected, again with log_level 1, growing the buffer until the log fits
    fd, err, log = btf_load(libc, nr, data, 0)
    if fd < 0 and err not in (errno.EPERM, errno.ENOSYS, errno.EACCES):
        log_size = 1 << 20
        while True:
            fd, err, log = btf_load(libc, nr, data, log_size)
            if fd < 0 and err == errno.ENOSPC and log_size < (1 << 30) - 1:
                log_size = min(log_size * 4, (1 << 30) - 1)
                continue
            break

    if fd >= 0:
        os.close(fd)
        print("accepted")
        return 0
    if err in (errno.EPERM, errno.ENOSYS, errno.EACCES):
        skip(f"bpf(BPF_BTF_LOAD) not permitted or not available: {os.strerror(err)}")
    if err == errno.EINVAL and not log:
        # an empty log with EINVAL means the attr itself was refused (old kernel,
        # unknown attr fields) or a filter stepped in: the BTF was never looked at
        skip("bpf(BPF_BTF_LOAD) refused the request without a log (EINVAL)")
    print(log.rstrip("\n") if log else f"rejected: {os.strerror(err)}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
