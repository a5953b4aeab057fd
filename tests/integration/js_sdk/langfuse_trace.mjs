// Traces with the official Langfuse v3 JS SDK (npm `langfuse`, from
// <repo>/.deps/node_modules) into $LANGFUSE_BASEURL, and sends one batch of
// its own with bad events in it; prints one line of JSON on stdout:
//   {"sdk_version", "traces": [ids], "observations": [ids], "scores": [ids],
//    "events": {type: count sent}, "answers": [{"status", "successes", "errors"}],
//    "bad_batch": {"status", "answer", "good": {"trace": id, "span": id}, "bad": [event ids]}}
// Each of TRACES traces has a span holding a generation (ended: an update)
// and an event, the span ended (an update), and a score. flushAt 10, so
// the SDK sends several batches; shutdownAsync() flushes the rest.
// Exits non-zero when the SDK reported an error, on a non-207 answer, or
// on a timeout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomUUID } from "node:crypto";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..", "..");
const require = createRequire(path.join(repo, ".deps", "node_modules", "package.json"));
const { Langfuse } = require("langfuse");
// Its package.json is not among its exports: read as a file.
const sdkVersion = JSON.parse(readFileSync(path.join(repo, ".deps", "node_modules", "langfuse", "package.json"))).version;

const TRACES = Number(process.env.TRACES ?? 12);
const baseUrl = process.env.LANGFUSE_BASEURL;
const publicKey = process.env.LANGFUSE_PUBLIC_KEY;
const secretKey = process.env.LANGFUSE_SECRET_KEY;
setTimeout(() => {
  process.stderr.write("langfuse_trace.mjs: timed out\n");
  process.exit(3);
}, 60000).unref();

// What the server answered the SDK: its fetch is the global one.
const answers = [];
const events = {};
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, options) => {
  const res = await realFetch(url, options);
  if (String(url).endsWith("/api/public/ingestion")) {
    for (const e of JSON.parse(options.body).batch) events[e.type] = (events[e.type] ?? 0) + 1;
    const body = await res.clone().json();
    answers.push({ status: res.status, successes: body.successes?.length ?? 0, errors: body.errors ?? null });
  }
  return res;
};

let sdkError = null;
const langfuse = new Langfuse({ publicKey, secretKey, baseUrl, flushAt: 10, flushInterval: 60000 });
langfuse.on("error", (e) => (sdkError = String(e)));

const traces = [], observations = [], scores = [];
for (let i = 0; i < TRACES; ++i) {
  const trace = langfuse.trace({ name: `lf-trace-${i}`, userId: "user-1", sessionId: "session-1",
                                 metadata: { i, suite: "langfuse_sdk_test" }, tags: ["tracepipe", "langfuse"],
                                 input: { question: `question ${i}?` } });
  const span = trace.span({ name: "retrieve", input: { query: `q${i}` } });
  const generation = span.generation({ name: "chat", model: "gpt-4o-mini", modelParameters: { temperature: 0.2 },
                                       input: [{ role: "user", content: `question ${i}?` }] });
  generation.end({ output: { content: `answer ${i}` }, usageDetails: { input: 12, output: 7 } });
  const event = span.event({ name: "cache-miss", metadata: { key: `k${i}` } });
  span.end({ output: { documents: 2 } });
  // score() answers the trace (for chaining): the score's id is given.
  const scoreId = randomUUID();
  trace.score({ id: scoreId, name: "quality", value: i % 2 ? 1 : 0.5, comment: "ok" });
  traces.push(trace.id);
  observations.push(span.id, generation.id, event.id);
  scores.push(scoreId);
}
await langfuse.shutdownAsync();
if (sdkError) {
  process.stderr.write(`langfuse_trace.mjs: the SDK reported: ${sdkError}\n`);
  process.exit(1);
}

// A batch the SDK would not send: two good events around bad ones.
const now = new Date().toISOString();
const good = { trace: randomUUID(), span: randomUUID() };
const badIds = ["bad-no-body-id", "bad-time", "bad-type", "bad-level"];
const batch = [
  { id: "good-trace", timestamp: now, type: "trace-create", body: { id: good.trace, name: "with bad neighbours" } },
  { id: badIds[0], timestamp: now, type: "span-create", body: { traceId: good.trace } },
  { id: badIds[1], timestamp: "yesterday", type: "trace-create", body: { id: randomUUID() } },
  { id: badIds[2], timestamp: now, type: "run-create", body: { id: randomUUID() } },
  { id: badIds[3], timestamp: now, type: "span-create", body: { id: randomUUID(), traceId: good.trace, level: "LOUD" } },
  { id: "good-span", timestamp: now, type: "span-create", body: { id: good.span, traceId: good.trace } },
];
const res = await realFetch(`${baseUrl}/api/public/ingestion`, {
  method: "POST",
  headers: { "Content-Type": "application/json",
             Authorization: "Basic " + Buffer.from(`${publicKey}:${secretKey}`).toString("base64") },
  body: JSON.stringify({ batch, metadata: { sdk_name: "langfuse_trace.mjs" } }),
});
const badBatch = { status: res.status, answer: await res.json(), good, bad: badIds };

process.stdout.write(JSON.stringify({ sdk_version: sdkVersion, traces, observations, scores, events, answers,
                                      bad_batch: badBatch }) + "\n");
process.exit(answers.every((a) => a.status === 207) ? 0 : 1);
