// Drives one HTTP POST load test with autocannon (pinned in package.json) and prints ONE JSON line:
// {"requests","durationSeconds","perSecond","non2xx","errors","timeouts","latencyMs":{"p50","p90","p99","max"}}
// requests counts every completed response (2xx or not); perSecond is requests / durationSeconds;
// latencies are of 2xx responses in the measured run, in milliseconds to the microsecond.
// The bodies file holds a JSON array; each element is one request body (an object or array is sent
// as its compact JSON, a string as is); the bodies are dealt out to the connections, and each
// connection sends its own in turn (see setupClient below).
// Used by bench/Scenarios/HttpIngest.cs; run `node drive.mjs --help` for the arguments.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);

const usage = `usage: node drive.mjs --url <http://host:port/path> --bodies <file.json> [--connections <n>=16]
       [--duration <seconds>=5] [--warmup <seconds>=0] [--timeout <seconds>=10] [--header "Name: value"]
  --url          absolute http(s) URL the bodies are POSTed to (content-type application/json)
  --bodies       file holding a non-empty JSON array of request bodies, sent round-robin
  --connections  concurrent connections (integer >= 1)
  --duration     measured seconds (number > 0)
  --warmup       seconds of unmeasured load first, same connections (number >= 0)
  --timeout      seconds before a request counts as a timeout (number > 0)
  --header       one more request header, e.g. "authorization: Bearer <token>"`;

function fail(message) {
  process.stderr.write(`drive.mjs: ${message}\n${usage}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: "string" },
      bodies: { type: "string" },
      connections: { type: "string", default: "16" },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "0" },
      timeout: { type: "string", default: "10" },
      header: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail(e.message);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

function number(name, { integer = false, min, exclusiveMin = false }) {
  const text = values[name];
  const value = Number(text);
  const ok = text.trim() !== "" && Number.isFinite(value) && (!integer || Number.isInteger(value))
    && (exclusiveMin ? value > min : value >= min);
  if (!ok) {
    fail(`--${name} must be ${integer ? "an integer" : "a number"} ${exclusiveMin ? ">" : ">="} ${min}, got "${text}"`);
  }
  return value;
}

if (!values.url) fail("--url is required");
let url;
try {
  url = new URL(values.url);
} catch {
  fail(`--url is not an absolute URL: "${values.url}"`);
}
if (url.protocol !== "http:" && url.protocol !== "https:") fail(`--url must be http or https, got "${url.protocol}"`);
if (!values.bodies) fail("--bodies is required");
const connections = number("connections", { integer: true, min: 1 });
const duration = number("duration", { min: 0, exclusiveMin: true });
const warmup = number("warmup", { min: 0 });
const timeout = number("timeout", { min: 0, exclusiveMin: true });

let parsed;
try {
  parsed = JSON.parse(await readFile(values.bodies, "utf8"));
} catch (e) {
  fail(`cannot read --bodies ${values.bodies}: ${e.message}`);
}
if (!Array.isArray(parsed) || parsed.length === 0) fail(`--bodies ${values.bodies} must hold a non-empty JSON array`);
const bodies = parsed.map((b) => Buffer.from(typeof b === "string" ? b : JSON.stringify(b)));

// Request buffers are built once per connection, not per request: with n bodies and c connections,
// connection i sends bodies i, i + c, i + 2c, ... in turn (body i mod n when n < c), so concurrent
// requests carry different bodies, and every body is sent equally often when n is a multiple of c.
// Rebuilding the request per send (a setupRequest hook) cost the client about a third of its rate
// on a 2-core machine. One request in flight per connection (no pipelining), as an edge agent sends.
//
// At the end autocannon destroys each socket, which drops a request it has not finished writing,
// and Kestrel logs "Unexpected end of request content" for each large body cut off. Ending the
// socket instead (flush, then FIN) lets the server read whole requests; their late responses are
// ignored, as autocannon ignores anything after a client is destroyed.
let clientsMade = 0;
const setupClient = (client) => {
  const i = clientsMade++ % connections;
  const mine = bodies.length >= connections ? bodies.filter((_, j) => j % connections === i) : [bodies[i % bodies.length]];
  client.setRequests(mine.map((body) => ({ body })));
  const destroy = client.destroy;
  client.destroy = function () {
    const conn = this.conn;
    if (!this.destroyed && conn) {
      const hardDestroy = conn.destroy;
      // Node itself calls destroy(error) on a read error: then close at once, as before.
      conn.destroy = (error) => (error ? hardDestroy.call(conn, error) : conn.end());
    }
    destroy.call(this);
  };
};

let autocannon;
try {
  autocannon = require("autocannon");
} catch (e) {
  process.stderr.write(`drive.mjs: autocannon is not installed next to drive.mjs (run bash scripts/setup.sh): ${e.message}\n`);
  process.exit(3);
}

const options = {
  url: url.href,
  method: "POST",
  headers: {
    "content-type": "application/json",
    ...(values.header ? { [values.header.slice(0, values.header.indexOf(":")).trim().toLowerCase()]: values.header.slice(values.header.indexOf(":") + 1).trim() } : {}),
  },
  connections,
  duration,
  timeout,
  setupClient,
  ...(warmup > 0 ? { warmup: { connections, duration: warmup } } : {}),
};

// autocannon's own latency histogram has 1 ms resolution; keep every 2xx response time of the
// measured run (the warm-up reports to its own tracker) for sub-millisecond percentiles.
let latencies = new Float64Array(1 << 16);
let count = 0;
let result;
try {
  const run = autocannon(options);
  run.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode < 200 || statusCode > 299) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = responseTime;
  });
  result = await run;
} catch (e) {
  process.stderr.write(`drive.mjs: autocannon failed: ${e.stack ?? e}\n`);
  process.exit(1);
}

const sorted = latencies.subarray(0, count).sort();
const round = (ms) => Math.round(ms * 1000) / 1000;
const percentile = (p) => (count === 0 ? 0 : round(sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)]));
const requests = result.requests.total;
const seconds = result.duration;
const line = {
  requests,
  durationSeconds: seconds,
  perSecond: seconds > 0 ? requests / seconds : 0,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyMs: { p50: percentile(50), p90: percentile(90), p99: percentile(99), max: count === 0 ? 0 : round(sorted[count - 1]) },
};
process.stdout.write(`${JSON.stringify(line)}\n`);
// Sockets ended gracefully close when the server answers; do not wait long for a slow one.
setTimeout(() => process.exit(0), 2000).unref();
