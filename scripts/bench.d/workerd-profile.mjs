// Samples one Worker's isolate inside workerd with V8's CPU profiler over the DevTools protocol
// (workerd serve --inspector-addr), while a command drives load at it. Writes the profile as a
// .cpuprofile (the format profile-summary.py reads) and passes the command's stdout through.
//
//   node workerd-profile.mjs --inspector HOST:PORT --worker NAME --out FILE.cpuprofile \
//     [--interval-us 50] -- COMMAND [ARGS...]
//
// NAME is the service name in the workerd configuration ("under-test" in workerd-config.py).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

function parseArgs(argv) {
  const split = argv.indexOf("--");
  if (split < 0) throw new Error("usage: --inspector HOST:PORT --worker NAME --out FILE -- COMMAND...");
  const options = { interval: 50 };
  const flags = argv.slice(0, split);
  for (let i = 0; i < flags.length; i += 2) {
    const [flag, value] = [flags[i], flags[i + 1]];
    if (flag === "--inspector") options.inspector = value;
    else if (flag === "--worker") options.worker = value;
    else if (flag === "--out") options.out = value;
    else if (flag === "--interval-us") options.interval = Number(value);
    else throw new Error(`unknown option ${flag}`);
  }
  for (const required of ["inspector", "worker", "out"]) {
    if (!options[required]) throw new Error(`--${required} is required`);
  }
  options.command = argv.slice(split + 1);
  if (options.command.length === 0) throw new Error("no command after --");
  return options;
}

/// The DevTools WebSocket of the isolate running `worker`.
async function debuggerUrl(inspector, worker) {
  const targets = await (await fetch(`http://${inspector}/json`)).json();
  const target = targets.find((t) => [t.id, t.title, t.webSocketDebuggerUrl].some((v) => String(v).includes(worker)));
  if (!target) throw new Error(`no inspector target for ${worker}: ${JSON.stringify(targets.map((t) => t.id))}`);
  return target.webSocketDebuggerUrl;
}

function session(url) {
  const socket = new WebSocket(url);
  let next = 1;
  const pending = new Map();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const opened = new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  return {
    opened,
    send(method, params = {}) {
      const id = next++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
    },
    close: () => socket.close(),
  };
}

function run(command) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command[0]} exited with ${code}`))));
  });
}

const options = parseArgs(process.argv.slice(2));
const devtools = session(await debuggerUrl(options.inspector, options.worker));
await devtools.opened;
await devtools.send("Profiler.enable");
await devtools.send("Profiler.setSamplingInterval", { interval: options.interval });
await devtools.send("Profiler.start");
const output = await run(options.command);
const { profile } = await devtools.send("Profiler.stop");
devtools.close();
writeFileSync(options.out, JSON.stringify(profile));
process.stdout.write(output);
