// Starts fauxqs (SQS, SNS and S3 emulator) on 127.0.0.1 and a free port for the tests.
// Node 20 has no node:sqlite; fauxqs imports it only for persistence, which stays off here,
// so a loader hook answers that import with a module whose DatabaseSync refuses to be used.
// Prints "fauxqs listening on <port>" once ready; exits when stdin closes (the parent died).
import { register } from "node:module";

const stub = `export class DatabaseSync {
  constructor() { throw new Error("node:sqlite is not available on this Node version (fauxqs persistence is off)"); }
}
export class StatementSync {}
export default { DatabaseSync, StatementSync };`;

const hooks = `
const stubUrl = "data:text/javascript," + encodeURIComponent(${JSON.stringify(stub)});
export async function resolve(specifier, context, next) {
  if (specifier === "node:sqlite") return { url: stubUrl, shortCircuit: true };
  return next(specifier, context);
}`;

register("data:text/javascript," + encodeURIComponent(hooks), import.meta.url);

const { buildApp } = await import("fauxqs");

const host = process.env.FAUXQS_LISTEN_HOST ?? "127.0.0.1";
const port = Number(process.env.FAUXQS_PORT ?? 0);
const app = buildApp({ logger: false, host: "127.0.0.1", defaultRegion: process.env.FAUXQS_DEFAULT_REGION ?? "us-east-1" });
await app.listen({ host, port });
const address = app.server.address();
process.stdout.write(`fauxqs listening on ${address.port}\n`);

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.resume();
