# kdive's gdb helpers: user commands for debugging a Linux x86-64 kernel under QEMU.
#
#   source gdbinit/kdive.py          (gdb 13+, Python 3; no external packages)
#   help user-defined                lists the commands below
#
#   kd-rdmsr [MSR]    read a model-specific register by injecting `rdmsr` at a kernel stop
#   kd-lstar          MSR_LSTAR, the 64-bit syscall entry point, with its symbol
#   kd-ptregs         the current syscall's struct pt_regs, decoded
#   kd-ubt            user-space backtrace of the current syscall, from pt_regs
#   kd-syscall NAME   break at do_syscall_64 when the scenario's program enters syscall NAME
#   kd-console [N]    the last N lines of the guest's serial console log
#   kd-layout [PROG [NR]]  the kernel layout as kdive gave it and as derived here
#   $kd_ptregs()      convenience function: the current task's struct pt_regs *
#
# Settings read from gdb convenience variables (set them before or after sourcing):
#   $kd_prog      the guest program's name (task comm, at most 15 characters)
#   $kd_console   path of the guest serial console log
#   $kd_syscalls  path of arch/x86/include/generated/asm/syscalls_64.h of the kernel build
# The kernel's layout as kdive computed it (kdive sets them; sourced by hand, this file
# derives them by the same rules, and kd-layout shows both):
#   $kd_current   gdb expression of the running task (struct task_struct *)
#   $kd_stack_top bytes from a task's stack base to the end of its struct pt_regs
#   $kd_slide     the KASLR slide the symbols were relocated by
#
# Why these techniques: neither gdb nor QEMU's gdbstub exposes
# MSRs, so kd-rdmsr writes `0f 32` (rdmsr) into the two bytes before the stop pc, runs it
# with one stepi (landing back on the stop pc) and puts code and registers back.  gdb
# refuses to unwind from a kernel stack to the (lower) user stack, so kd-ubt loads the
# user registers saved in pt_regs into the CPU, runs `bt`, and restores every register.
# Every command catches errors and prints one line starting with its own name.

import difflib
import os
import re
import struct

import gdb

# ---------------------------------------------------------------------------------------
# Small helpers


class KdError(Exception):
    """A problem to report to the user in one line (no traceback)."""


MASK64 = (1 << 64) - 1

# Registers a helper may change and must put back.  Segment registers are never written.
GPRS = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags")

ERRNO = {
    1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG",
    8: "ENOEXEC", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM", 13: "EACCES",
    14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV", 20: "ENOTDIR",
    21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 27: "EFBIG",
    28: "ENOSPC", 29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM",
    34: "ERANGE", 35: "EDEADLK", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY",
    40: "ELOOP", 95: "EOPNOTSUPP", 110: "ETIMEDOUT",
    512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND",
    516: "ERESTART_RESTARTBLOCK",
}

EFLAGS_BITS = ((0, "CF"), (2, "PF"), (4, "AF"), (6, "ZF"), (7, "SF"), (8, "TF"), (9, "IF"),
               (10, "DF"), (11, "OF"), (14, "NT"), (16, "RF"), (17, "VM"), (18, "AC"),
               (19, "VIF"), (20, "VIP"), (21, "ID"))

MSR_NAMES = {
    0x10: "TSC", 0x1b: "APIC_BASE", 0x174: "SYSENTER_CS", 0x175: "SYSENTER_ESP",
    0x176: "SYSENTER_EIP", 0x1a0: "MISC_ENABLE", 0x277: "PAT",
    0xc0000080: "EFER", 0xc0000081: "STAR", 0xc0000082: "LSTAR", 0xc0000083: "CSTAR",
    0xc0000084: "SYSCALL_MASK", 0xc0000100: "FS_BASE", 0xc0000101: "GS_BASE",
    0xc0000102: "KERNEL_GS_BASE", 0xc0000103: "TSC_AUX",
}
MSR_LSTAR = 0xc0000082


def out(text):
    gdb.write(text + "\n")


def signed64(v):
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def hexdec(v):
    """0x... and the decimal value (signed when the top bit is set)."""
    v &= MASK64
    return "%#x (%d)" % (v, signed64(v))


def errno_text(v):
    s = signed64(v)
    if -4095 <= s < 0:
        return "-%s" % ERRNO.get(-s, "errno %d" % -s)
    return None


def eflags_text(v):
    names = [n for bit, n in EFLAGS_BITS if v & (1 << bit)]
    iopl = (v >> 12) & 3
    if iopl:
        names.append("IOPL=%d" % iopl)
    return "[ %s ]" % " ".join(names) if names else "[ ]"


def to_int(value):
    """A gdb.Value (integer, pointer, enum or flags type) as a Python int."""
    t = value.type.strip_typedefs()
    if t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_ENUM,
                  gdb.TYPE_CODE_BOOL, gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_FLAGS):
        try:
            return int(value)
        except gdb.error:
            pass
    try:
        return int(value.cast(gdb.lookup_type("unsigned long")))
    except gdb.error:
        return int(value.format_string(format="x"), 16)


def conv_str(name):
    """The string in convenience variable $NAME, or None when unset or empty."""
    v = gdb.convenience_variable(name)
    if v is None:
        return None
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_VOID:
        return None
    try:
        s = v.string()
    except gdb.error:
        raise KdError("$%s is not a string (set it like: set $%s = \"...\")" % (name, name))
    return s or None


def parse_number(text, what):
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return to_int(gdb.parse_and_eval(text))
    except gdb.error:
        raise KdError("%s %r is not a number" % (what, text))


def symbolize(addr):
    """'<name+off>' for ADDR, or '' when no symbol covers it."""
    try:
        s = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        return ""
    m = re.match(r"^(\S+)(?: \+ (\d+))? in section", s)
    if not m:
        return ""
    return "<%s+%s>" % (m.group(1), m.group(2) or "0")


_SYMBOLS = {}


def _forget_symbols(*_):
    _SYMBOLS.clear()


gdb.events.new_objfile.connect(_forget_symbols)
gdb.events.clear_objfiles.connect(_forget_symbols)


def symbol_exists(name):
    """Whether vmlinux (or any loaded objfile) defines NAME; cached until symbols change."""
    if name not in _SYMBOLS:
        _SYMBOLS[name] = _symbol_exists(name)
    return _SYMBOLS[name]


def _symbol_exists(name):
    try:
        if gdb.lookup_global_symbol(name) is not None:
            return True
        if gdb.lookup_static_symbol(name) is not None:
            return True
    except gdb.error:
        pass
    try:
        return gdb.lookup_minimal_symbol(name) is not None  # gdb 14+
    except AttributeError:
        pass
    try:
        gdb.parse_and_eval("&" + name)
        return True
    except gdb.error:
        return False


def require_stopped():
    """Raise KdError unless gdb is attached to a stopped target."""
    inf = gdb.selected_inferior()
    thread = gdb.selected_thread()
    if inf is None or inf.pid == 0 or thread is None:
        raise KdError("no running target: connect first (target remote ...)")
    if thread.is_running():
        raise KdError("the target is running: interrupt it first (Ctrl-C or `interrupt`)")
    return thread


def frame0_reg(name):
    return to_int(gdb.newest_frame().read_register(name))


def in_kernel_mode():
    return (frame0_reg("cs") & 3) == 0


# ---------------------------------------------------------------------------------------
# Saving and restoring CPU registers (always through frame 0, the real CPU state)


class SavedCpu:
    """Snapshot of the general registers of the selected vCPU, restorable and checkable."""

    def __init__(self):
        self.level = None
        try:
            self.level = gdb.selected_frame().level()
        except gdb.error:
            pass
        gdb.newest_frame().select()  # `set $reg` writes to the *selected* frame
        self.regs = dict((r, frame0_reg(r)) for r in GPRS)

    @staticmethod
    def write(name, value):
        gdb.newest_frame().select()
        gdb.execute("set $%s = %#x" % (name, value & MASK64), to_string=True)

    def restore(self):
        """Write back every saved register; return the list of ones that did not stick."""
        errors = []
        for name, value in self.regs.items():
            try:
                self.write(name, value)
            except gdb.error as e:
                errors.append("%s (%s)" % (name, e))
        for name, value in self.regs.items():
            try:
                now = frame0_reg(name)
            except gdb.error as e:
                errors.append("%s unreadable (%s)" % (name, e))
                continue
            if now != value:
                errors.append("%s is %#x, was %#x" % (name, now, value))
        if self.level:
            try:
                gdb.execute("frame %d" % self.level, to_string=True)
            except gdb.error:
                pass
        return errors


# ---------------------------------------------------------------------------------------
# Kernel layout: current task, THREAD_SIZE, struct pt_regs.
# The same rules as harness/guest/session_layout.c (session_layout_read, _cond): one
# function each here, one there; change both together.


def thread_size():
    """THREAD_SIZE: the linker script puts that many bytes of init stack between
    __start_init_stack and __end_init_stack (__start_init_task/__end_init_task before
    6.2)."""
    for start, end in (("__start_init_stack", "__end_init_stack"),
                       ("__start_init_task", "__end_init_task")):
        if symbol_exists(start) and symbol_exists(end):
            return int(gdb.parse_and_eval("(unsigned long)&%s - (unsigned long)&%s"
                                          % (end, start)))
    raise KdError("no init stack bounds (__start_init_stack): load vmlinux symbols")


def stack_padding():
    """x86-64 leaves 16 bytes above pt_regs when FRED is built in (6.9+)."""
    return 16 if symbol_exists("asm_fred_entrypoint_user") else 0


def current_task_var():
    var = "pcpu_hot.current_task" if symbol_exists("pcpu_hot") else "current_task"
    if not symbol_exists(var.split(".")[0]):
        raise KdError("neither pcpu_hot nor current_task is known: load vmlinux symbols")
    return var


def is_smp():
    return symbol_exists("__per_cpu_offset")


def kaslr_slide():
    """The KASLR slide the symbols were relocated by ($kd_slide, set by kdive debug)."""
    v = gdb.convenience_variable("kd_slide")
    return 0 if v is None or v.type.code == gdb.TYPE_CODE_VOID else to_int(v)


def given_int(name):
    """The number kdive put in $NAME, or None when it did not (sourced by hand)."""
    v = gdb.convenience_variable(name)
    if v is None or v.type.strip_typedefs().code == gdb.TYPE_CODE_VOID:
        return None
    return to_int(v)


def stack_top():
    """Bytes from a task's stack base to the end of its struct pt_regs: THREAD_SIZE less
    FRED's padding ($kd_stack_top when kdive gave it)."""
    given = given_int("kd_stack_top")
    return given if given is not None else derived_stack_top()


def derived_stack_top():
    return thread_size() - stack_padding()


def current_task_expr():
    """A gdb expression (for breakpoint conditions) of type struct task_struct * for the
    task running on the vCPU being evaluated ($kd_current when kdive gave it)."""
    return conv_str("kd_current") or derived_current_task_expr()


def derived_current_task_expr():
    var = current_task_var()
    if not is_smp():
        return var  # uniprocessor kernel: per-cpu variables are plain globals
    # SMP: the per-cpu copy is at &var + this CPU's per-cpu offset, which is GS base in
    # kernel mode (KERNEL_GS_BASE holds it while the CPU is in user mode). KASLR does
    # not move per-cpu offsets, but relocated symbols moved &var: the slide comes off.
    return ("(*(struct task_struct **)((unsigned long)&%s - %#x + "
            "(($cs & 3) ? $k_gs_base : $gs_base)))" % (var, kaslr_slide()))


def current_task():
    """The current task (struct task_struct * gdb.Value) of the selected vCPU."""
    var = current_task_var()
    if not is_smp():
        return gdb.parse_and_eval(var)
    ptr = gdb.parse_and_eval("&" + var)  # struct task_struct ** (per-cpu template)
    base = frame0_reg("gs_base" if in_kernel_mode() else "k_gs_base")
    addr = (to_int(ptr) - kaslr_slide() + base) & MASK64
    return gdb.Value(addr).cast(ptr.type).dereference()


def task_pointer(value):
    """VALUE (struct task_struct, a pointer to it, or an address) as a task pointer."""
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_STRUCT:
        return value.address
    if (t.code == gdb.TYPE_CODE_PTR
            and t.target().strip_typedefs().code == gdb.TYPE_CODE_STRUCT):
        return value
    return value.cast(gdb.parse_and_eval(current_task_var()).type)


PTREGS_SIZE = 21 * 8   # struct pt_regs on x86-64: 21 slots of 8 bytes
PTREGS_ORIG_AX = 15    # orig_ax's slot


def c_string(s):
    """S as a C string literal, as kdive's quote_c writes it."""
    parts = []
    for ch in s:
        c = ord(ch)
        if ch in '"\\':
            parts.append("\\" + ch)
        elif ch == "\n":
            parts.append("\\n")
        elif ch == "\t":
            parts.append("\\t")
        elif ch == "\r":
            parts.append("\\r")
        elif c < 0x20 or c == 0x7f:
            parts.append("\\%03o" % c)
        else:
            parts.append(ch)
    return '"' + "".join(parts) + '"'


def kd_condition(prog, nr=-1, derived=False):
    """The breakpoint condition "the running task is PROG (None: any task) [and its
    current syscall is NR]". Plain expressions after the first term: gdb type-checks
    the unevaluated side of && with dummy values, which a convenience function does not
    survive. derived: from this file's own reading of the layout, not kdive's."""
    current = derived_current_task_expr() if derived else current_task_expr()
    top = derived_stack_top() if derived else stack_top()
    terms = []
    if prog is not None:
        terms.append("$_streq(%s->comm, %s)" % (current, c_string(prog[:15])))
    if nr >= 0:
        off = top - PTREGS_SIZE + 8 * PTREGS_ORIG_AX
        terms.append("*(unsigned long *)((unsigned long)%s->stack + %d) == %d"
                     % (current, off, nr))
    return " && ".join(terms) or "1"


def ptregs_value(task=None):
    """struct pt_regs * gdb.Value of TASK (default: the current task)."""
    try:
        task = current_task() if task is None else task
        regs_type = gdb.lookup_type("struct pt_regs")
    except gdb.MemoryError as e:
        raise KdError("cannot read the current task (%s)" % e)
    except gdb.error as e:
        raise KdError("cannot find the task's pt_regs (%s): are vmlinux symbols loaded?"
                      % e)
    try:
        stack = to_int(task["stack"])
    except gdb.error as e:
        raise KdError("cannot read task->stack of task %#x (%s)" % (to_int(task), e))
    if stack == 0:
        raise KdError("the task has no kernel stack (task->stack is NULL)")
    addr = stack + stack_top() - regs_type.sizeof
    return gdb.Value(addr).cast(regs_type.pointer())


def field(regs, name):
    try:
        return to_int(regs[name])
    except gdb.error:
        return to_int(regs.dereference()[name])


# ---------------------------------------------------------------------------------------
# The syscall table


class SyscallTable:
    def __init__(self):
        self.by_nr = {}
        self.source = None
        self._key = None

    def load(self):
        """Load (and cache) the table; return self.  Empty when nothing is available."""
        path = conv_str("kd_syscalls")
        candidates = []
        if path:
            candidates.append(path)
        else:
            # Next to vmlinux (a kernel build directory).
            for objfile in gdb.objfiles():
                fn = objfile.filename or ""
                if os.path.basename(fn) == "vmlinux":
                    for d in {os.path.dirname(fn), os.path.dirname(os.path.realpath(fn))}:
                        candidates.append(os.path.join(
                            d, "arch/x86/include/generated/asm/syscalls_64.h"))
        for cand in candidates:
            try:
                st = os.stat(cand)
            except OSError:
                continue
            key = (cand, st.st_mtime, st.st_size)
            if key == self._key:
                return self
            table = {}
            with open(cand, errors="replace") as f:
                for line in f:
                    m = re.match(r"\s*__SYSCALL\w*\(\s*(\d+)\s*,\s*(\w+)", line)
                    if m:
                        table[int(m.group(1))] = strip_sys(m.group(2))
            if table:
                self.by_nr, self.source, self._key = table, cand, key
                return self
        # Fall back on the kernel's own sys_call_table (names of __x64_sys_* entries).
        key = ("sys_call_table",)
        if self._key == key:
            return self
        self.by_nr, self.source, self._key = {}, None, None
        try:
            tbl = gdb.parse_and_eval("sys_call_table")
            n = tbl.type.sizeof // tbl[0].type.sizeof
            sym = gdb.lookup_global_symbol("sys_call_table") or \
                gdb.lookup_static_symbol("sys_call_table")
            filename = (sym.symtab.objfile.filename if sym
                        else gdb.current_progspace().filename)
            raw = read_readonly(to_int(tbl.address), n * 8, filename)
            names = {}
            for nr, addr in enumerate(struct.unpack("<%dQ" % n, raw)):
                if addr not in names:
                    sym = symbolize(addr)
                    names[addr] = strip_sys(sym[1:].split("+")[0]) if sym else None
                if names[addr]:
                    self.by_nr[nr] = names[addr]
            if self.by_nr:
                self.source, self._key = "sys_call_table in vmlinux", key
        except (gdb.error, OSError, ValueError, struct.error):
            pass
        return self

    def name(self, nr):
        return self.by_nr.get(nr)

    def lookup(self, name):
        """All numbers whose entry is NAME (several for ni_syscall)."""
        name = strip_sys(name)
        return sorted(nr for nr, n in self.by_nr.items() if n == name)


def read_readonly(addr, length, filename):
    """Read from the target; if that fails (e.g. paging is not on yet at the reset
    vector), from the ELF file FILENAME (link-time contents)."""
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, length))
    except gdb.error:
        pass
    with open(filename, "rb") as f:
        ehdr = f.read(64)
        if ehdr[:4] != b"\x7fELF" or ehdr[4] != 2:
            raise ValueError("%s is not a 64-bit ELF file" % filename)
        shoff, = struct.unpack_from("<Q", ehdr, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", ehdr, 0x3a)
        f.seek(shoff)
        table = f.read(shentsize * shnum)
        for i in range(shnum):
            (_, sh_type, _, sh_addr, sh_offset, sh_size) = struct.unpack_from(
                "<IIQQQQ", table, i * shentsize)
            if sh_type != 8 and sh_addr <= addr and addr + length <= sh_addr + sh_size:
                f.seek(sh_offset + addr - sh_addr)          # 8 = SHT_NOBITS
                data = f.read(length)
                if len(data) == length:
                    return data
    raise ValueError("%#x is in no section of %s" % (addr, filename))


def strip_sys(name):
    """sys_clone, __x64_sys_clone, __se_sys_clone -> clone."""
    i = name.find("sys_")
    return name[i + 4:] if i >= 0 and (i == 0 or name[i - 1] == "_") else name


SYSCALLS = SyscallTable()


def syscall_table():
    t = SYSCALLS.load()
    return t


def table_missing_text():
    p = conv_str("kd_syscalls")
    if p:
        return "syscall table %s is unreadable and vmlinux has no sys_call_table" % p
    return "$kd_syscalls is not set (path of arch/x86/include/generated/asm/syscalls_64.h)"


# ---------------------------------------------------------------------------------------
# Commands


class KdCommand(gdb.Command):
    """Base: registers NAME in the user-defined class and turns errors into one line."""

    def __init__(self, name, complete=gdb.COMPLETE_NONE):
        self.cmd_name = name
        if complete is None:
            super().__init__(name, gdb.COMMAND_USER)
        else:
            super().__init__(name, gdb.COMMAND_USER, complete)

    def invoke(self, arg, from_tty):
        try:
            self.run(gdb.string_to_argv(arg), from_tty)
        except KdError as e:
            out("%s: %s" % (self.cmd_name, e))
        except gdb.MemoryError as e:
            out("%s: cannot read memory: %s" % (self.cmd_name, e))
        except gdb.error as e:
            text = str(e).strip()
            out("%s: %s" % (self.cmd_name, text.splitlines()[0] if text else "gdb error"))
        except KeyboardInterrupt:
            out("%s: interrupted" % self.cmd_name)
        except Exception as e:  # a bug here must not leave a traceback mid-session
            out("%s: internal error: %s: %s" % (self.cmd_name, type(e).__name__, e))

    def run(self, argv, from_tty):
        raise NotImplementedError


def cpu_halted():
    """True when QEMU reports the selected vCPU halted (HLT=1); None when it cannot tell.
    QEMU's monitor has a CPU of its own (the first), so every CPU's registers are asked
    for and the selected thread's taken: QEMU's gdbstub numbers a CPU's thread from 1."""
    try:
        text = gdb.execute("monitor info registers -a", to_string=True)
    except gdb.error:
        return None
    thread = gdb.selected_thread()
    cpu = (thread.ptid[1] or thread.num) - 1 if thread is not None else 0
    parts = re.split(r"^CPU#(\d+)\s*$", text, flags=re.M)
    # [before, "0", regs of CPU 0, "1", regs of CPU 1, ...]; one CPU: no header at all
    sections = dict(zip(parts[1::2], parts[2::2])) if len(parts) > 1 else {"0": text}
    m = re.search(r"\bHLT=(\d)", sections.get(str(cpu), ""))
    return None if not m else m.group(1) == "1"


def rdmsr(msr):
    """Read MSR on the selected vCPU by executing an injected rdmsr; restores everything."""
    require_stopped()
    if not in_kernel_mode():
        raise KdError("the CPU is in user mode (CPL 3) and rdmsr needs CPL 0: stop in the "
                      "kernel first, e.g. `kd-syscall exit_group` (or another syscall the "
                      "program makes) then `continue`")
    if cpu_halted():
        raise KdError("the vCPU is halted in the idle loop (HLT=1) and cannot step: "
                      "stop at a kernel breakpoint instead, e.g. `kd-syscall exit_group` "
                      "then `continue`")
    inf = gdb.selected_inferior()
    saved = SavedCpu()
    pc = saved.regs["rip"]
    # Put the rdmsr in the two bytes *before* $pc and step from there onto $pc: gdb then
    # records $pc as where the thread stopped, so a later `continue` steps over a
    # breakpoint at $pc as usual instead of reporting it a second time.  Breakpoints are
    # disabled for that one step so that landing on $pc is not reported as a hit.
    at = pc - 2
    try:
        orig = bytes(inf.read_memory(at, 2))
    except gdb.MemoryError:
        at = pc
        orig = bytes(inf.read_memory(at, 2))
    settings = []
    disabled = []
    value = fault = None
    try:
        for name, temp in (("scheduler-locking", "on"),          # step only this vCPU
                           ("suppress-cli-notifications", "on")):  # no stop-location line
            try:
                old = gdb.parameter(name)
                gdb.execute("set %s %s" % (name, temp), to_string=True)
                settings.append((name, old))
            except (gdb.error, RuntimeError):
                pass
        for bp in gdb.breakpoints():
            if bp.enabled:
                bp.enabled = False
                disabled.append(bp)
        inf.write_memory(at, b"\x0f\x32")
        if at != pc:
            saved.write("rip", at)
        saved.write("rcx", msr)
        # Now and then (about 1 in 200 here) QEMU reports a single-step without having
        # executed anything; the state is untouched then, so step again.
        for _ in range(5):
            gdb.execute("stepi", to_string=True)
            now = frame0_reg("rip")
            if now != at:
                break
        if now == at + 2:
            value = (frame0_reg("rdx") & 0xffffffff) << 32 | frame0_reg("rax") & 0xffffffff
        else:
            fault = now
    finally:
        problems = []
        try:
            inf.write_memory(at, orig)
            if bytes(inf.read_memory(at, 2)) != orig:
                problems.append("code bytes at %#x" % at)
        except gdb.error as e:
            problems.append("code bytes at %#x (%s)" % (at, e))
        problems += saved.restore()
        for bp in disabled:
            try:
                bp.enabled = True
            except (gdb.error, RuntimeError) as e:
                problems.append("breakpoint %d not re-enabled (%s)" % (bp.number, e))
        for name, old in reversed(settings):
            if isinstance(old, bool):
                old = "on" if old else "off"
            try:
                gdb.execute("set %s %s" % (name, old), to_string=True)
            except gdb.error:
                pass
        if problems:
            out("kd-rdmsr: WARNING: restore incomplete, the guest may be damaged: "
                + "; ".join(problems))
    if fault == at:
        raise KdError("rdmsr %#x: the vCPU did not execute the single-step (5 tries)" % msr)
    if fault is not None:
        raise KdError("rdmsr %#x faulted (pc went to %#x %s): no such MSR on this CPU?"
                      % (msr, fault, symbolize(fault)))
    return value


def msr_detail(msr, value):
    if msr == 0xc0000081:  # STAR
        kcs, ucs = (value >> 32) & 0xffff, (value >> 48) & 0xffff
        return ("  (syscall: cs %#x ss %#x; sysret to 64-bit: cs %#x ss %#x)"
                % (kcs, kcs + 8, ucs + 16 | 3, ucs + 8 | 3))
    if msr == 0xc0000080:  # EFER
        bits = [n for b, n in ((0, "SCE"), (8, "LME"), (10, "LMA"), (11, "NXE"))
                if value >> b & 1]
        return "  [ %s ]" % " ".join(bits)
    if msr == 0xc0000084:
        return "  (rflags bits cleared on syscall: %s)" % eflags_text(value)
    sym = symbolize(value)
    return " " + sym if sym else ""


def print_msr(msr):
    value = rdmsr(msr)
    name = MSR_NAMES.get(msr)
    label = "MSR_%s" % name if name else "MSR %#x" % msr
    out("%s = %#x%s" % (label, value, msr_detail(msr, value)))
    return value


def parse_msr(text):
    upper = text.upper()
    for num, name in MSR_NAMES.items():
        if upper in (name, "MSR_" + name, "IA32_" + name, "MSR_IA32_" + name):
            return num
    return parse_number(text, "MSR")


class KdRdmsr(KdCommand):
    """Read a model-specific register (default MSR_LSTAR) at a kernel-mode stop.
Usage: kd-rdmsr [MSR]
MSR is a number (0xc0000081) or a name: LSTAR STAR CSTAR SYSCALL_MASK EFER FS_BASE
GS_BASE KERNEL_GS_BASE TSC_AUX APIC_BASE PAT SYSENTER_CS/ESP/EIP TSC.
Neither gdb nor QEMU's gdbstub exposes MSRs, so this writes `rdmsr` (0f 32) into the two
bytes before $pc, points $rip there, sets $rcx, single-steps (only this vCPU, breakpoints
disabled for the step), reads edx:eax, then restores the two code bytes and every general
register and checks they are back.  Stepping onto the stop pc keeps `continue` stepping
over a breakpoint there as usual.  The vCPU must be stopped in kernel mode (CPL 0) and
not halted in the idle loop.  QEMU's TCG reads unknown MSRs as 0 instead of faulting.
Example: kd-rdmsr STAR   ->   MSR_STAR = 0x23001000000000  (syscall: cs 0x10 ...)"""

    def __init__(self):
        super().__init__("kd-rdmsr")

    def run(self, argv, from_tty):
        if len(argv) > 1:
            raise KdError("usage: kd-rdmsr [MSR]")
        print_msr(parse_msr(argv[0]) if argv else MSR_LSTAR)


class KdLstar(KdCommand):
    """Print MSR_LSTAR (the 64-bit syscall entry point) and its symbol.
Usage: kd-lstar [MSR]
Reads MSR 0xc0000082 with kd-rdmsr's technique (inject rdmsr next to $pc, step once,
restore code and registers).  Needs a kernel-mode stop: when the CPU is in user mode,
stop in the kernel first, e.g. `kd-syscall exit_group` then `continue`.  With an argument
it reads that MSR instead (same as kd-rdmsr MSR).  When LSTAR differs from the symbol
entry_SYSCALL_64 (KASLR), it also prints the slide.
Example: kd-lstar   ->   MSR_LSTAR = 0xffffffff81400040 <entry_SYSCALL_64+0>"""

    def __init__(self):
        super().__init__("kd-lstar")

    def run(self, argv, from_tty):
        if len(argv) > 1:
            raise KdError("usage: kd-lstar [MSR]")
        msr = parse_msr(argv[0]) if argv else MSR_LSTAR
        value = print_msr(msr)
        if msr != MSR_LSTAR:
            return
        try:
            entry = to_int(gdb.parse_and_eval("(unsigned long)&entry_SYSCALL_64"))
        except gdb.error:
            return
        if value != entry:
            slide = signed64(value - entry)
            out("  entry_SYSCALL_64 is %#x in the symbols: KASLR slide %s%#x "
                "(symbol-file -o %#x vmlinux relocates them)"
                % (entry, "-" if slide < 0 else "", abs(slide), slide & MASK64))


class KdPtregs(KdCommand):
    """Decode the current syscall's struct pt_regs: number, name, arguments, user state.
Usage: kd-ptregs [TASK]
TASK is an optional struct task_struct * or struct task_struct expression (default: the
current task, pcpu_hot.current_task).  pt_regs is at the top of the task's kernel stack:
  (struct pt_regs *)((unsigned long)task->stack + THREAD_SIZE) - 1
with THREAD_SIZE = the init stack's size (minus 16 bytes of padding on CONFIG_X86_FRED).
Prints orig_ax as the syscall number and its name (from $kd_syscalls), arg0..arg5 from
rdi rsi rdx r10 r8 r9, the return slot ax (-ENOSYS until the syscall returns), the user
ip/sp/flags/cs/ss, and the task's comm and pid.  At a user-mode stop the values are those
of the task's last kernel entry.  $kd_ptregs() gives the same pointer for expressions.
Example: kd-syscall clone; continue; kd-ptregs   ->   syscall 56 (0x38) clone ..."""

    def __init__(self):
        super().__init__("kd-ptregs", gdb.COMPLETE_EXPRESSION)

    def run(self, argv, from_tty):
        require_stopped()
        try:
            if argv:
                task = task_pointer(gdb.parse_and_eval(" ".join(argv)))
            else:
                task = current_task()
        except gdb.error as e:
            raise KdError("cannot evaluate task %r: %s" % (" ".join(argv) or "current", e))
        regs = ptregs_value(task)
        try:
            comm = task["comm"].string(length=16).split("\0")[0]
            pid, tgid = int(task["pid"]), int(task["tgid"])
        except gdb.error as e:
            raise KdError("cannot read the task (%s)" % e)
        r = dict((n, field(regs, n)) for n in (
            "orig_ax", "di", "si", "dx", "r10", "r8", "r9", "ax", "ip", "sp", "flags",
            "cs", "ss", "bp"))
        user = (r["cs"] & 3) == 3
        out("pt_regs of %s (pid %d%s) at %#x" % (
            comm, pid, "" if pid == tgid else ", tgid %d" % tgid, to_int(regs)))
        if not argv and not in_kernel_mode():
            out("  note: stopped in user mode: these are the registers saved at the task's "
                "last kernel entry")
        if not user:
            if r["cs"] == 0 and r["ip"] == 0:
                out("  empty: this task never entered the kernel from user mode "
                    "(a kernel thread or the idle task)")
                return
            out("  note: cs %#x is not a user segment: no user-mode state here" % r["cs"])
        nr = signed64(r["orig_ax"])
        table = syscall_table()
        if nr < 0:
            out("  syscall   none: orig_ax = %d (entered by an interrupt or exception)"
                % nr)
        else:
            name = table.name(nr)
            if name is None:
                name = "(not in the syscall table)" if table.by_nr else \
                    "(name unknown: %s)" % table_missing_text()
            out("  syscall   %d (%#x) %s" % (nr, nr, name))
        for i, (reg, f) in enumerate((("rdi", "di"), ("rsi", "si"), ("rdx", "dx"),
                                      ("r10", "r10"), ("r8", "r8"), ("r9", "r9"))):
            out("  arg%d %-4s %s" % (i, reg, hexdec(r[f])))
        ret = errno_text(r["ax"])
        out("  ret  ax   %s%s" % (hexdec(r["ax"]), "  " + ret if ret else ""))
        sym = symbolize(r["ip"])
        out("  user ip   %#x%s" % (r["ip"], " " + sym if sym else ""))
        out("  user sp   %#x" % r["sp"])
        out("  user bp   %#x" % r["bp"])
        out("  flags     %#x %s" % (r["flags"], eflags_text(r["flags"])))
        out("  cs        %#x (CPL %d)   ss %#x" % (r["cs"], r["cs"] & 3, r["ss"]))


class KdUbt(KdCommand):
    """Backtrace the user-space program behind the current syscall, from pt_regs.
Usage: kd-ubt [BT-ARGS]
At a kernel-mode stop, saves every general register, loads rip rsp rbp rbx r12-r15 from
the current task's pt_regs (the user state saved at syscall entry), runs `bt [BT-ARGS]`,
then restores every register and checks they are back.  gdb refuses to unwind from a
kernel sp to a lower user sp, so this register swap is how the user frames are reached.
Needs the program's symbols (add-symbol-file PROG); at a user-mode stop it is plain `bt`.
Example: kd-ubt   ->   #0 0x430243 in _Fork ()  #1 ... in fork ()  #2 ... in main () ..."""

    def __init__(self):
        super().__init__("kd-ubt")

    def run(self, argv, from_tty):
        require_stopped()
        bt = "bt " + " ".join(argv) if argv else "bt"
        if not in_kernel_mode():
            out("kd-ubt: stopped in user mode; this is the plain backtrace")
            text = gdb.execute(bt, to_string=True)
            gdb.write(text)
            self.check_symbols(text)
            return
        regs = ptregs_value()
        r = dict((n, field(regs, n)) for n in (
            "ip", "sp", "bp", "bx", "r12", "r13", "r14", "r15", "cs"))
        if (r["cs"] & 3) != 3:
            raise KdError("the current task's pt_regs holds no user state (cs %#x): "
                          "kernel thread, or not inside a syscall" % r["cs"])
        saved = SavedCpu()
        text = None
        try:
            for reg, f in (("rip", "ip"), ("rsp", "sp"), ("rbp", "bp"), ("rbx", "bx"),
                           ("r12", "r12"), ("r13", "r13"), ("r14", "r14"), ("r15", "r15")):
                saved.write(reg, r[f])
            text = gdb.execute(bt, to_string=True)
        finally:
            problems = saved.restore()
            if problems:
                out("kd-ubt: WARNING: registers not restored, the guest may be damaged: "
                    + "; ".join(problems))
        gdb.write(text)
        self.check_symbols(text)

    @staticmethod
    def check_symbols(text):
        if re.search(r"^#0 .* in \?\? \(", text, re.M):
            out("kd-ubt: frames are ??: load the program's symbols "
                "(add-symbol-file PATH/TO/PROG)")


class KdSyscall(KdCommand):
    """Break when the scenario's program enters a system call (at do_syscall_64).
Usage: kd-syscall NAME|NUMBER [PROG]
NAME is looked up in $kd_syscalls (clone, sys_clone and __x64_sys_clone all work);
NUMBER is used as is.  PROG is the task's comm (default $kd_prog; `*` = any task).
Sets `break do_syscall_64 if <pt_regs>->orig_ax == NR && $_streq(<current>->comm, PROG)`.
do_syscall_64 is hit for every syscall number; __x64_sys_NAME may be inlined away.  At
the stop, kd-ptregs decodes the arguments and kd-ubt shows the user-space caller.
Example: kd-syscall clone; continue   (then kd-ptregs, kd-ubt, finish ...)"""

    def __init__(self):
        super().__init__("kd-syscall", None)

    def complete(self, text, word):
        if " " in text.lstrip():
            return gdb.COMPLETE_NONE
        try:
            names = sorted(set(syscall_table().by_nr.values()))
        except Exception:
            return []
        return [n for n in names if n.startswith(word or "")]

    def run(self, argv, from_tty):
        if not argv or len(argv) > 2:
            raise KdError("usage: kd-syscall NAME|NUMBER [PROG]")
        what = argv[0]
        table = syscall_table()
        if re.match(r"^(0x[0-9a-fA-F]+|\d+)$", what):
            nr = int(what, 0)
            name = table.name(nr)
            if table.by_nr and name is None:
                out("kd-syscall: warning: %d is not in the syscall table (it will fail "
                    "with -ENOSYS)" % nr)
        else:
            if not table.by_nr:
                raise KdError("cannot look up %r: %s; give a number instead" %
                              (what, table_missing_text()))
            nrs = table.lookup(what)
            if not nrs:
                names = sorted(set(table.by_nr.values()))
                close = difflib.get_close_matches(strip_sys(what), names, n=4)
                close += [n for n in names if strip_sys(what) in n and n not in close]
                close = close[:6]
                raise KdError("no syscall named %r in %s%s" % (
                    strip_sys(what), table.source,
                    ("; similar: " + " ".join(close)) if close else ""))
            nr, name = nrs[0], strip_sys(what)
            if len(nrs) > 1:
                out("kd-syscall: %s fills %d slots (%s); using %d (pass a number for "
                    "another)" % (name, len(nrs), " ".join(map(str, nrs[:8])), nr))
        prog = argv[1] if len(argv) > 1 else conv_str("kd_prog")
        if prog is None:
            raise KdError("no PROG given and $kd_prog is not set (use `*` for any task)")
        if prog != "*":
            if len(prog) > 15:
                out("kd-syscall: %r is longer than a comm (15 chars); matching %r"
                    % (prog, prog[:15]))
                prog = prog[:15]
            if '"' in prog or "\\" in prog:
                raise KdError("PROG may not contain quotes or backslashes")
        cond = kd_condition(None if prog == "*" else prog, nr)
        bp = gdb.Breakpoint("do_syscall_64")
        try:
            if bp.pending:
                raise KdError("do_syscall_64 is not in the loaded symbols")
            bp.condition = cond
        except (KdError, gdb.error):
            bp.delete()
            raise
        out("Breakpoint %d: stops at do_syscall_64 when %s enters syscall %d%s" % (
            bp.number, "any task" if prog == "*" else 'task "%s"' % prog, nr,
            " (%s)" % name if name else ""))


class KdConsole(KdCommand):
    """Print the last N lines (default 20) of the guest's serial console log.
Usage: kd-console [N]
The log is the file named by $kd_console (QEMU's -serial file:PATH).
Example: kd-console 5"""

    def __init__(self):
        super().__init__("kd-console")

    def run(self, argv, from_tty):
        if len(argv) > 1:
            raise KdError("usage: kd-console [N]")
        n = 20
        if argv:
            try:
                n = int(argv[0], 0)
            except ValueError:
                raise KdError("N must be a number, not %r" % argv[0])
            if n < 0:
                raise KdError("N must not be negative")
        path = conv_str("kd_console")
        if path is None:
            raise KdError('$kd_console is not set (set $kd_console = "/path/console.log")')
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                chunk, data = 8192, b""
                while size > 0 and data.count(b"\n") <= n:
                    step = min(chunk, size)
                    size -= step
                    f.seek(size)
                    data = f.read(step) + data
                    chunk *= 2
        except OSError as e:
            raise KdError("cannot read %s: %s" % (path, e.strerror or e))
        lines = data.decode("utf-8", "replace").replace("\r", "").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            out("kd-console: %s is empty" % path)
            return
        for line in lines[-n:] if n else []:
            out(line)


class KdLayout(KdCommand):
    """kd-layout [PROG [NR]] -- the kernel layout as kdive computed it and as this file
derives it by the same rules, side by side: the running task's expression, where
struct pt_regs ends above a task's stack base, the breakpoint condition for PROG (and
syscall NR), and at a kernel stop the current task's pt_regs address. Each line says
`same` or `DIFFERENT`; sourced by hand (no $kd_current), only the derived column."""

    def __init__(self):
        super().__init__("kd-layout")

    def run(self, argv, from_tty):
        given = conv_str("kd_current") is not None
        rows = [("current", conv_str("kd_current"), derived_current_task_expr()),
                ("stack_top", given_int("kd_stack_top"), derived_stack_top())]
        if argv:
            nr = parse_number(argv[1], "NR") if len(argv) > 1 else -1
            rows.append(("condition", kd_condition(argv[0], nr) if given else None,
                         kd_condition(argv[0], nr, derived=True)))
        try:
            stopped = in_kernel_mode()
        except gdb.error:
            stopped = False
        if stopped:
            def ptregs_at(expr, top):
                task = to_int(gdb.parse_and_eval("(unsigned long)(%s)->stack" % expr))
                return "%#x" % (task + top - PTREGS_SIZE)
            rows.append(("pt_regs", ptregs_at(conv_str("kd_current"), stack_top())
                         if given else None,
                         ptregs_at(derived_current_task_expr(), derived_stack_top())))
        for name, kdive, derived in rows:
            if kdive is None:
                out("%-10s kdive.py: %s  (kdive gave none)" % (name, derived))
            else:
                out("%-10s %s\n           kdive:    %s\n           kdive.py: %s"
                    % (name, "same" if kdive == derived else "DIFFERENT", kdive, derived))


class KdPtregsFunction(gdb.Function):
    """$kd_ptregs() -- the current task's struct pt_regs * (p $kd_ptregs()->orig_ax)."""

    def __init__(self):
        super().__init__("kd_ptregs")

    def invoke(self):
        try:
            return ptregs_value()
        except KdError as e:
            raise gdb.GdbError("$kd_ptregs: %s" % e)


KdRdmsr()
KdLstar()
KdPtregs()
KdUbt()
KdSyscall()
KdConsole()
KdLayout()
KdPtregsFunction()
