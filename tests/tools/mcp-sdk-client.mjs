// mcp-sdk-client.mjs: the official MCP SDK's client (@modelcontextprotocol/sdk, Client
// over StdioClientTransport) drives a kdive serve --mcp session, for tests/run's
// t_mcp_sdk_drives_a_fork_session: the SDK spawns the server, initializes (its own
// protocol version, answered with kdive's), lists the tools (each must have an object
// inputSchema), then boot (fork) -> stop at kernel_clone during clone -> continue ->
// frames -> ptregs (orig_ax 0x38, "clone") -> lstar -> shutdown, and closes (the
// server sees EOF and exits). Whatever the SDK refuses (a malformed message, a result
// its schemas reject, a timeout) fails the run too.
//
//   node tests/tools/mcp-sdk-client.mjs SDK_DIR KDIVE    exit 0, or 1 with what went wrong
//
// SDK_DIR is where tests/tools/install-mcp-sdk put the package (npm's --prefix): its
// ESM build is imported from there by path, as the script lives outside that tree.
import { pathToFileURL } from "node:url";

const [sdkDir, kdive] = process.argv.slice(2);
if (!sdkDir || !kdive) {
	console.error("usage: node mcp-sdk-client.mjs SDK_DIR KDIVE");
	process.exit(2);
}
const esm = `${sdkDir}/node_modules/@modelcontextprotocol/sdk/dist/esm`;
let Client, StdioClientTransport;
try {
	({ Client } = await import(pathToFileURL(`${esm}/client/index.js`)));
	({ StdioClientTransport } = await import(pathToFileURL(`${esm}/client/stdio.js`)));
} catch (e) {
	console.error(`mcp-sdk-client: no MCP SDK in ${sdkDir} (tests/tools/install-mcp-sdk): ${e.message}`);
	process.exit(1);
}

// A guest boots in seconds when restored, longer when booted cold under TCG: the SDK's
// 60 s default is too short for the first boot on a fresh cache.
const LONG = { timeout: 600000 };

function check(cond, what, got) {
	if (!cond)
		throw new Error(`${what}; got ${JSON.stringify(got)}`);
}

// One tool call; its JSON result. A tool error (isError) fails the run.
async function call(client, name, args = {}) {
	const r = await client.callTool({ name, arguments: args }, undefined, LONG);
	check(Array.isArray(r.content) && r.content[0]?.type === "text",
	      `${name}: one text content expected`, r);
	check(!r.isError, `${name} failed`, r.content[0].text);
	return JSON.parse(r.content[0].text);
}

// The environment goes through whole: the SDK passes only HOME, PATH and a few
// others by default, and kdive needs KDIVE_CACHE, KDIVE_DATA and the tests' tag.
const transport = new StdioClientTransport({ command: kdive, args: ["serve", "--mcp"],
					     env: { ...process.env }, stderr: "inherit" });
const client = new Client({ name: "kdive-test-sdk", version: "1" });
let rc = 0;
try {
	await client.connect(transport, LONG);
	const info = client.getServerVersion();
	check(info?.name === "kdive", "serverInfo.name is kdive", info);
	const { tools } = await client.listTools();
	const names = tools.map((t) => t.name);
	for (const want of ["boot", "stop", "continue", "frames", "ptregs", "lstar", "shutdown"])
		check(names.includes(want), `tools/list has ${want}`, names);
	for (const t of tools)
		check(t.inputSchema?.type === "object" && typeof t.inputSchema.properties === "object",
		      `tool ${t.name} has an object inputSchema with properties`, t);

	const boot = await call(client, "boot", { program: "fork" });
	check(boot.program === "fork" && boot.stopped_at === "main", "boot stops fork at main", boot);
	const stop = await call(client, "stop", { location: "kernel_clone", syscall: "clone" });
	check(Number.isInteger(stop.breakpoint), "stop answers a breakpoint number", stop);
	const cont = await call(client, "continue");
	check(!cont.exited && cont.function === "kernel_clone" && cont.breakpoint === stop.breakpoint,
	      "continue stops at kernel_clone", cont);
	const frames = await call(client, "frames");
	const funcs = frames.frames.map((f) => f.func);
	check(funcs[0] === "kernel_clone" && funcs.includes("entry_SYSCALL_64"),
	      "frames: kernel_clone innermost, entry_SYSCALL_64 below", funcs);
	check((frames.user_frames ?? []).some((f) => f.func === "main"),
	      "user_frames reach main", frames.user_frames);
	const regs = await call(client, "ptregs");
	check(regs.pt_regs?.orig_ax === "0x38" && regs.syscall === "clone",
	      "ptregs: orig_ax 0x38, syscall clone", regs);
	const lstar = await call(client, "lstar");
	check(/^0x[0-9a-f]+$/.test(lstar.value) && lstar.symbol?.startsWith("entry_SYSCALL_64"),
	      "lstar is entry_SYSCALL_64", lstar);
	const down = await call(client, "shutdown");
	check(down.was_running === true, "shutdown had a guest", down);
	console.log(`ok: the MCP SDK drove boot, stop, continue, frames, ptregs, lstar, shutdown ` +
		    `(${tools.length} tools; kernel ${boot.kernel}, restored ${boot.restored})`);
} catch (e) {
	console.error(`mcp-sdk-client: ${e.message}`);
	rc = 1;
} finally {
	await client.close();
}
process.exit(rc);
