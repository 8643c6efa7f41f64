// dap-client.mjs: Microsoft's own DAP client test support (@vscode/debugadapter-testsupport,
// its DebugClient) drives kdive dap through a fork session, for tests/run's
// t_dap_debug_client_drives_fork: initialize, launch fork.scn stopping at main
// (stopOnEntry), a function breakpoint on kernel_clone, continue to it, the stack trace
// kernel_clone (with a condition and a hit count) ... entry_SYSCALL_64, the boundary
// label, then _Fork, fork, main; the pt_regs scope with orig_ax 56 (clone); a
// structure opened; a user frame's locals; evaluate (hover and the REPL's gdb
// command); readMemory, disassemble; a next, a stepOut; a source breakpoint in the
// program (fork.c, after fork returns in the parent); the exception filter (the next
// system call); unknown requests refused; continue to the end: exited with the
// program's status, terminated, the console as output; disconnect. Every message kdive
// sends is written, one JSON a line, to LOG for tests/tools/dap-check (the DAP schema).
// The times launch -> stopped(main) and continue -> stopped(kernel_clone) are printed
// as "time: NAME MS".
//
//   node tests/tools/dap-client.mjs PKG_DIR KDIVE SCENARIO LOG   exit 0, or 1 with why
//
// PKG_DIR is where tests/tools/install-dap-testsupport put the package (npm's --prefix).
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";

const [pkgDir, kdive, scenario, log] = process.argv.slice(2);
if (!pkgDir || !kdive || !scenario || !log) {
	console.error("usage: node dap-client.mjs PKG_DIR KDIVE SCENARIO LOG");
	process.exit(2);
}
const require = createRequire(`${pkgDir}/node_modules/`);
let DebugClient;
try {
	({ DebugClient } = require("@vscode/debugadapter-testsupport"));
} catch (e) {
	console.error(`dap-client: no DAP test support in ${pkgDir} (tests/tools/install-dap-testsupport): ${e.message}`);
	process.exit(1);
}

function check(cond, what, got) {
	if (!cond)
		throw new Error(`${what}; got ${JSON.stringify(got)}`);
}
const ok = (what) => console.log(`ok: ${what}`);

// DebugClient spawns RUNTIME EXECUTABLE: kdive dap.
const dc = new DebugClient(kdive, "dap", "kdive", { env: { ...process.env } }, true);
// A first boot on a fresh cache takes long under TCG; a warm one well under a second.
dc.defaultTimeout = 600000;
const sent = [];
const dispatch = dc.dispatch.bind(dc);
dc.dispatch = (body) => { sent.push(body); dispatch(body); };

const names = (frames) => frames.map((f) => f.name);
// The guest console arrives as output events.
let console_ = "";
dc.on("output", (e) => { console_ += e.body.output; });
let rc = 0;
try {
	await dc.start();
	const init = await dc.initializeRequest();
	check(init.body.supportsConfigurationDoneRequest && init.body.supportsFunctionBreakpoints,
	      "initialize: configurationDone and function breakpoints", init.body);
	ok("initialize");

	// launch -> initialized -> breakpoints -> configurationDone -> stopped (entry, main)
	const t0 = performance.now();
	const entry = dc.waitForEvent("stopped");
	await Promise.all([
		dc.waitForEvent("initialized").then(async () => {
			// A condition (a gdb expression, on top of kdive's limit to the program's
			// task) and a hit count that both hold at the first clone.
			const fb = await dc.setFunctionBreakpointsRequest({ breakpoints: [
				{ name: "kernel_clone", condition: "args->exit_signal == 17", hitCondition: ">= 1" }] });
			check(fb.body.breakpoints.length === 1 && fb.body.breakpoints[0].verified,
			      "kernel_clone's breakpoint verified", fb.body);
			await dc.configurationDoneRequest();
		}),
		dc.launchRequest({ scenario, stopOnEntry: true }),
	]);
	const e = await entry;
	console.log(`time: launch_to_main ${(performance.now() - t0).toFixed(0)}`);
	check(e.body.reason === "entry", "stopped at entry", e.body);
	let tid = e.body.threadId;
	const th = await dc.threadsRequest();
	const me = th.body.threads.find((t) => t.id === tid);
	check(me && /^fork \(pid \d+\)$/.test(me.name), "the stopped thread runs fork", th.body);
	ok(`threads: ${th.body.threads.map((t) => t.name).join(", ")}`);
	let st = await dc.stackTraceRequest({ threadId: tid });
	check(st.body.stackFrames[0].name === "main", "stopped in main", names(st.body.stackFrames));
	const forkc = st.body.stackFrames[0].source?.path;
	check(forkc && forkc.endsWith("fork.c"), "main's source is fork.c", st.body.stackFrames[0]);
	ok(`stopped at main (${forkc}:${st.body.stackFrames[0].line})`);

	// continue -> kernel_clone
	const t1 = performance.now();
	const hit = dc.waitForEvent("stopped");
	await dc.continueRequest({ threadId: tid });
	const h = await hit;
	tid = h.body.threadId;
	console.log(`time: continue_to_kernel_clone ${(performance.now() - t1).toFixed(0)}`);
	check(h.body.reason === "breakpoint", "stopped at a breakpoint", h.body);
	st = await dc.stackTraceRequest({ threadId: tid });
	const fr = st.body.stackFrames;
	const label = fr.findIndex((f) => f.presentationHint === "label");
	check(fr[0].name === "kernel_clone", "frame 0 is kernel_clone", names(fr));
	check(label > 0 && fr[label - 1].name.startsWith("entry_SYSCALL_64"),
	      "the kernel frames end at entry_SYSCALL_64, then the label", names(fr));
	const user = names(fr.slice(label + 1));
	check(user.slice(0, 3).join(" ") === "_Fork fork main", "then _Fork, fork, main", user);
	check(fr[0].source?.path && fr[0].line > 0, "kernel_clone has a source", fr[0]);
	ok(`stack: ${names(fr).join(" | ")}`);

	// scopes: pt_regs with orig_ax 56 (clone); arguments expandable
	const sc = await dc.scopesRequest({ frameId: fr[0].id });
	const pt = sc.body.scopes.find((s) => s.name.startsWith("pt_regs"));
	check(pt && pt.name === "pt_regs (clone)", "a pt_regs (clone) scope", sc.body.scopes);
	const regs = (await dc.variablesRequest({ variablesReference: pt.variablesReference })).body.variables;
	const orig = regs.find((v) => v.name === "orig_ax");
	check(orig && /^56\b/.test(orig.value), "orig_ax is 56", orig);
	ok(`pt_regs: orig_ax ${orig.value}`);
	const args = sc.body.scopes.find((s) => s.name === "Arguments");
	const av = (await dc.variablesRequest({ variablesReference: args.variablesReference })).body.variables;
	const ka = av.find((v) => v.name === "args");
	check(ka && ka.variablesReference > 0, "kernel_clone's args can be opened", av);
	const kids = (await dc.variablesRequest({ variablesReference: ka.variablesReference })).body.variables;
	check(kids.length > 0, "args has children", kids);
	ok(`args: ${kids.length} child(ren), first ${kids[0].name}`);
	// user frame's locals (main's pid is not set yet)
	const mainf = fr.find((f, i) => i > label && f.name === "main");
	const msc = await dc.scopesRequest({ frameId: mainf.id });
	const ml = msc.body.scopes.find((s) => s.name === "Locals");
	const mv = (await dc.variablesRequest({ variablesReference: ml.variablesReference })).body.variables;
	check(mv.some((v) => v.name === "pid"), "main's locals have pid", mv);
	ok("main's locals read from the user frame");

	const hover = await dc.evaluateRequest({ expression: "args->exit_signal", frameId: fr[0].id, context: "hover" });
	ok(`hover args->exit_signal = ${hover.body.result}`);
	const repl = await dc.evaluateRequest({ expression: "-exec info registers rip", frameId: fr[0].id, context: "repl" });
	check(/kernel_clone/.test(repl.body.result), "the REPL runs gdb commands", repl.body);
	ok("repl: -exec info registers rip");
	let refused = false;
	await dc.evaluateRequest({ expression: "-exec continue", frameId: fr[0].id, context: "repl" })
		.catch(() => { refused = true; });
	check(refused, "the REPL leaves run control to the editor", "-exec continue");
	ok("repl: -exec continue refused");
	const ip = fr[0].instructionPointerReference;
	const mem = await dc.send("readMemory", { memoryReference: ip, count: 16 });
	check(Buffer.from(mem.body.data, "base64").length === 16, "readMemory: 16 bytes", mem.body);
	const dis = await dc.send("disassemble", { memoryReference: ip, instructionCount: 4 });
	check(dis.body.instructions.length === 4, "disassemble: 4 instructions", dis.body);
	ok(`disassemble: ${dis.body.instructions[0].instruction}`);

	// next: a step in kernel_clone
	const step = dc.waitForEvent("stopped");
	await dc.nextRequest({ threadId: tid });
	const s2 = await step;
	tid = s2.body.threadId;
	check(s2.body.reason === "step", "next stops with reason step", s2.body);
	st = await dc.stackTraceRequest({ threadId: tid });
	ok(`next: ${st.body.stackFrames[0].name}:${st.body.stackFrames[0].line}`);

	// stepOut: back in kernel_clone's caller
	const out = dc.waitForEvent("stopped");
	await dc.stepOutRequest({ threadId: tid });
	const s4 = await out;
	tid = s4.body.threadId;
	st = await dc.stackTraceRequest({ threadId: tid });
	check(s4.body.reason === "step" && st.body.stackFrames[0].name === "__do_sys_clone",
	      "stepOut returns to __do_sys_clone", names(st.body.stackFrames));
	ok(`stepOut: ${st.body.stackFrames[0].name}`);

	// a source breakpoint in the program: fork.c's "if (pid > 0)", the parent's
	const line = 14;
	const sb = await dc.setBreakpointsRequest({ source: { path: forkc }, breakpoints: [{ line }] });
	check(sb.body.breakpoints[0].verified, "the source breakpoint is verified", sb.body);
	await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
	const bp = dc.waitForEvent("stopped");
	await dc.continueRequest({ threadId: tid });
	const s3 = await bp;
	tid = s3.body.threadId;
	check(s3.body.reason === "breakpoint", "stopped at the source breakpoint", s3.body);
	st = await dc.stackTraceRequest({ threadId: tid });
	check(st.body.stackFrames[0].name === "main" && st.body.stackFrames[0].line === line,
	      `stopped at fork.c:${line}`, st.body.stackFrames[0]);
	ok(`stopped at fork.c:${line}`);

	// the exception filter: the program's next system call (the parent's wait4, or the
	// child's exit_group), with its pt_regs
	const ex = await dc.setExceptionBreakpointsRequest({ filters: ["syscall"] });
	check(ex.body.breakpoints[0].verified, "the syscall filter is set", ex.body);
	const sys = dc.waitForEvent("stopped");
	await dc.continueRequest({ threadId: tid });
	const s5 = await sys;
	tid = s5.body.threadId;
	check(s5.body.reason === "exception", "stopped at a system call", s5.body);
	st = await dc.stackTraceRequest({ threadId: tid });
	const sc5 = await dc.scopesRequest({ frameId: st.body.stackFrames[0].id });
	const pt5 = sc5.body.scopes.find((s) => s.name.startsWith("pt_regs"));
	check(pt5, "the system call's pt_regs scope", sc5.body.scopes);
	ok(`exception filter: ${st.body.stackFrames[0].name}, ${pt5.name}`);
	await dc.setExceptionBreakpointsRequest({ filters: [] });
	await dc.setBreakpointsRequest({ source: { path: forkc }, breakpoints: [] });

	// unknown and unimplemented requests fail, and the session goes on
	for (const [cmd, a] of [["bogus", {}], ["launch", {}], ["setVariable", { variablesReference: 1, name: "x", value: "1" }]]) {
		let failed = false;
		await dc.send(cmd, a).catch(() => { failed = true; });
		check(failed, `${cmd} answers with an error`, cmd);
	}
	ok("unknown requests fail");

	// to the end
	const exited = dc.waitForEvent("exited");
	const term = dc.waitForEvent("terminated");
	await dc.continueRequest({ threadId: tid });
	const x = await exited;
	check(x.body.exitCode === 0, "exited with the program's status 0", x.body);
	await term;
	ok(`exited ${x.body.exitCode}, terminated`);
	check(/exited with status 0/.test(console_), "the guest console came as output", console_);
	ok("the console as output events");
	await dc.disconnectRequest({});
	ok("disconnect");
} catch (e) {
	console.error(`dap-client: ${e.stack || e.message}`);
	rc = 1;
}
writeFileSync(log, sent.map((s) => s.replace(/\n/g, " ")).join("\n") + "\n");
dc.stopAdapter();
process.exit(rc);
