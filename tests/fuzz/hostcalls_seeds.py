#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the hand-made seeds of the hostcalls fuzzer into
tests/fuzz/corpus/hostcalls/: short programs for the guest
tests/fuzz/guest/hostcalls_guest.c (its header describes the format),
each using one family of host calls the way a real program would, so the
fuzzer starts from calls that succeed and mutates from there. The call
numbers are the order of the guest's table (src/wasm/host_functions.c)."""
import os, re, struct, sys

root = os.path.dirname(os.path.abspath(__file__))
table = open(os.path.join(root, "../../src/wasm/host_functions.c")).read()
names = re.findall(r'(?:HOST|GRANTED)\((?:GRANT_\w+, )?(?:WASI|MINOS), "(\w+)"', table)
# Argument kinds, as in the guest.
def small(v): return bytes([0, v])
def ptr(offset): return bytes([1]) + struct.pack("<H", offset)
def raw32(v): return bytes([2]) + struct.pack("<I", v & 0xffffffff)
def raw64(v): return bytes([3]) + struct.pack("<Q", v & 0xffffffffffffffff)
def edge(i): return bytes([4, i])
def out(slot): return bytes([5, slot])  # the i32 at arena offset 4 * slot
def last(): return bytes([6])
def fd(n): return bytes([7, n])
def call(name, *args): return bytes([names.index(name)]) + b"".join(args)
def data(offset, payload): return bytes([0xf0]) + struct.pack("<H", offset) + bytes([len(payload)]) + payload
def pointer(offset, target): return bytes([0xf4]) + struct.pack("<HH", offset, target)
def iovec(at, target, length): return pointer(at, target) + data(at + 4, struct.pack("<I", length))
def repeat(times): return bytes([0xf1, times])
TRAP = bytes([0xf2])
def exit_with(code): return bytes([0xf3, code])

# Offsets are into the guest's arena; pointers inside structures (iovecs)
# are stored by the guest (op 0xf4), as it alone knows the arena's address.
seeds = {
    "write_stdout": data(0x100, b"hello\n") + iovec(0x40, 0x100, 6) +
                    call("fd_write", fd(1), ptr(0x40), small(1), ptr(0)),
    "args_env": call("args_sizes_get", ptr(0), ptr(4)) + call("args_get", ptr(0x100), ptr(0x200)) +
                call("environ_sizes_get", ptr(0), ptr(4)) + call("environ_get", ptr(0x100), ptr(0x200)),
    "prestat": call("fd_prestat_get", fd(3), ptr(0)) + call("fd_prestat_dir_name", fd(3), ptr(0x100), small(3)) +
               call("fd_prestat_get", fd(4), ptr(0)) + call("fd_fdstat_get", fd(3), ptr(0x100)),
    "open_read": data(0x200, b"file") +
                 call("path_open", fd(3), small(1), ptr(0x200), small(4), small(0), raw64(0x1fffffff),
                      raw64(0x1fffffff), small(0), ptr(0)) +
                 iovec(0x40, 0x400, 64) + call("fd_read", out(0), ptr(0x40), small(1), ptr(8)) +
                 call("fd_pread", out(0), ptr(0x40), small(1), raw64(2), ptr(8)) +
                 call("fd_filestat_get", out(0), ptr(0x100)) + call("fd_seek", out(0), raw64(2), small(0), ptr(8)) +
                 call("fd_close", out(0)),
    "open_create_write": data(0x200, b"new.txt") +
                 call("path_open", fd(3), small(0), ptr(0x200), small(7), small(9), raw64(0x1fffffff),
                      raw64(0x1fffffff), small(0), ptr(0)) +
                 iovec(0x40, 0x200, 7) + call("fd_pwrite", out(0), ptr(0x40), small(1), raw64(0), ptr(8)) +
                 call("fd_write", out(0), ptr(0x40), small(1), ptr(8)) + call("fd_tell", out(0), ptr(8)) +
                 call("fd_filestat_set_size", out(0), raw64(100)) + call("fd_allocate", out(0), raw64(0), raw64(10)) +
                 call("fd_sync", out(0)) + call("fd_datasync", out(0)) + call("fd_renumber", out(0), fd(9)),
    "readdir": call("fd_readdir", fd(3), ptr(0x400), raw32(1024), raw64(0), ptr(0)) +
               call("fd_readdir", fd(4), ptr(0x400), raw32(64), raw64(1), ptr(0)),
    "paths": data(0x200, b"dir/sub") + data(0x300, b"file") + data(0x340, b"moved") + data(0x380, b"../outside/sentinel") +
             call("path_create_directory", fd(3), ptr(0x200), small(7)) +
             call("path_filestat_get", fd(3), small(1), ptr(0x300), small(4), ptr(0x100)) +
             call("path_rename", fd(3), ptr(0x300), small(4), fd(3), ptr(0x340), small(5)) +
             call("path_link", fd(3), small(0), ptr(0x340), small(5), fd(3), ptr(0x300), small(4)) +
             call("path_symlink", ptr(0x380), small(19), fd(3), ptr(0x300), small(4)) +
             call("path_readlink", fd(3), ptr(0x300), small(4), ptr(0x400), small(64), ptr(0)) +
             call("path_unlink_file", fd(3), ptr(0x340), small(5)) +
             call("path_remove_directory", fd(3), ptr(0x200), small(7)) +
             call("path_open", fd(3), small(0), ptr(0x380), small(19), small(0), raw64(-1), raw64(-1), small(0), ptr(0)),
    "readonly": data(0x200, b"sentinel") +
             call("path_open", fd(4), small(0), ptr(0x200), small(8), small(9), raw64(-1), raw64(-1), small(0), ptr(0)) +
             call("path_unlink_file", fd(4), ptr(0x200), small(8)) +
             call("path_filestat_set_times", fd(4), small(0), ptr(0x200), small(8), raw64(1), raw64(2), small(15)),
    "pipe": data(0x200, b"ping") + call("pipe", ptr(0), ptr(4)) +
            call("write", out(0), ptr(0x200), small(4)) + call("read", ptr(4), small(1), ptr(0x300), small(16), ptr(8), raw64(0)) +
            call("wclose", out(0)) + call("read", ptr(4), small(1), ptr(0x300), small(16), ptr(8), raw64(-1)) +
            call("rclose", out(1)),
    "pipe_spin": call("pipe", ptr(0), ptr(4)) + call("write", out(0), ptr(0x200), small(1)) +
                 call("read", ptr(4), small(1), ptr(0x300), small(1), ptr(8), raw64(0)) + repeat(200),
    "children": data(0x200, b"\0asm\x01\0\0\0") + call("pipe", ptr(0), ptr(4)) +
                call("write", out(0), ptr(0x200), small(8)) + call("wclose", out(0)) +
                call("cnew", out(1), ptr(0x300), small(0)) + call("cwait", last(), ptr(0x10)) +
                call("ckill", small(1)) + call("cstart", small(1)) + call("wpass", fd(1), small(1)) + call("rpass", fd(0), small(1)),
    "poll": data(0x200, struct.pack("<QBxxxxxxxIxxxxQQH", 7, 0, 0, 1000, 0, 0)) +
            call("poll_oneoff", ptr(0x200), ptr(0x300), small(1), ptr(0)) +
            data(0x240, struct.pack("<QB", 8, 1) + b"\0" * 7 + struct.pack("<I", 0)) +
            call("poll_oneoff", ptr(0x240), ptr(0x300), small(1), ptr(0)) + call("sched_yield") + repeat(50),
    "clock_random": call("clock_res_get", small(0), ptr(0)) + call("clock_time_get", small(1), raw64(1), ptr(8)) +
                    call("random_get", ptr(0x100), raw32(256)) + call("proc_raise", small(6)),
    "network": data(0x200, b"tcp:127.0.0.1:1") + call("connect", ptr(0x200), small(15), ptr(0)) +
               call("listen", ptr(0x200), small(15)) + call("accept", fd(3), ptr(0), raw64(0)) +
               call("sock_accept", fd(3), small(0), ptr(0)) + iovec(0x40, 0x100, 16) + call("sock_recv", fd(0), ptr(0x40), small(1), small(0), ptr(0), ptr(4)) +
               call("sock_send", fd(1), ptr(0x40), small(1), small(0), ptr(0)) + call("sock_shutdown", fd(1), small(2)),
    "wild": call("fd_write", fd(1), edge(2), raw32(0x7fffffff), edge(7)) +
            call("fd_read", fd(0), edge(8), small(255), edge(6)) +
            call("path_open", fd(3), raw32(-1), edge(7), raw32(0xffff), raw32(-1), raw64(-1), raw64(-1), raw32(-1), edge(9)) +
            call("fd_fdstat_set_flags", fd(0), raw32(0xffff)) + call("fd_fdstat_set_rights", fd(3), raw64(0), raw64(0)) +
            call("fd_advise", fd(3), raw64(-1), raw64(-1), small(9)) + call("fd_tell", fd(200), ptr(0)) +
            call("fd_close", raw32(-1)) + call("fd_renumber", fd(0), raw32(0x7fffffff)),
    "trap": data(0, b"x") + TRAP,
    "exit": call("fd_close", fd(0)) + exit_with(3),
    "proc_exit": call("proc_exit", raw32(-1)),
}
directory = os.path.join(root, "corpus", "hostcalls")
os.makedirs(directory, exist_ok=True)
for name, program in seeds.items():
    with open(os.path.join(directory, name), "wb") as f:
        f.write(program)
print(f"{len(seeds)} seeds in {directory}")
