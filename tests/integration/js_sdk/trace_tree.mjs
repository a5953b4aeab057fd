// Traces one nested run tree into $LANGSMITH_ENDPOINT with the official
// LangSmith JS SDK (npm `langsmith`, from <repo>/.deps/node_modules), waits
// until the SDK has flushed, and prints one line of JSON on stdout:
//   {"mode", "sdk_version", "trace_id", "run_ids": [...], "runs": {name: id},
//    "requests": [what the SDK sent, one object per HTTP request]}
// Exits non-zero when the SDK reported a failure (it logs instead of
// throwing), when any request got a non-2xx answer, or on a timeout.
//
// The tree (names are what js_sdk_test.cpp looks for):
//   js_root (chain, traceable)
//   ├── js_llm (llm, traceable)
//   │   └── js_retriever (retriever, explicit RunTree createChild/postRun/end/patchRun;
//   │                     a binary attachment in multipart mode)
//   ├── js_tool (tool, traceable; non-ASCII inputs/outputs)
//   └── js_failing_tool (tool, traceable, throws; js_root catches)
// js_root sleeps PHASE_MS before and after its children, so with the SDK's
// auto-batching (250 ms aggregation window) the root's post goes out alone,
// the children (each started and ended back to back) go out together, and the
// root's patch goes out alone.
//
// Mode (argv[2] or TRACE_TREE_MODE):
//   multipart (default) — the SDK's own choice: /info says
//             use_multipart_endpoint=true → POST /runs/multipart;
//   batch   — POST /runs/batch. The SDK has no option to force it: it asks
//             GET /info. The script passes the Client a fetchImplementation
//             (a public Client option) that hands the SDK /info with
//             use_multipart_endpoint=false; nothing else changes;
//   single  — Client({autoBatchTracing: false}): POST /runs + PATCH /runs/{id}.
import { gunzipSync } from "node:zlib";
import { loadLangsmith } from "./langsmith.mjs";

const PHASE_MS = 1000;
const DEADLINE_MS = 45000;

const mode = process.argv[2] ?? process.env.TRACE_TREE_MODE ?? "multipart";
if (!["multipart", "batch", "single"].includes(mode)) {
  process.stderr.write(`trace_tree.mjs: unknown mode ${mode} (multipart|batch|single)\n`);
  process.exit(2);
}

// --- everything the SDK logs is a failure report -------------------------
const reported = [];
const original = { log: console.log, warn: console.warn, error: console.error };
const stringify = (args) =>
  args
    .map((a) => (a instanceof Error ? a.stack ?? String(a) : typeof a === "string" ? a : safeJson(a)))
    .join(" ");
function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
for (const level of ["warn", "error"]) {
  console[level] = (...args) => {
    reported.push(`console.${level}: ${stringify(args)}`);
    original.error(`[sdk ${level}]`, ...args);
  };
}
// stdout carries only the result line.
console.log = (...args) => original.error("[sdk log]", ...args);
process.on("unhandledRejection", (e) => reported.push(`unhandledRejection: ${stringify([e])}`));

// --- the SDK, from the repo's .deps, through its package "exports" --------
const { version: sdkVersion, Client, RunTree, traceable, getCurrentRunTree } = await loadLangsmith();

// --- a fetch that records what the SDK sends -----------------------------
const requests = [];
const failures = [];

const headerValue = (headers, name) => {
  if (!headers) return undefined;
  if (typeof headers.get === "function") return headers.get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
  return undefined;
};

async function bodyBytes(body) {
  if (body == null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

// Part names and content types of a multipart/form-data body.
function multipartParts(bytes, contentType) {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) return [];
  const text = bytes.toString("latin1");
  const parts = [];
  const re = /Content-Disposition: form-data; name="([^"]+)"\r\nContent-Type: ([^\r]+)\r\n/g;
  for (let m; (m = re.exec(text)); ) parts.push({ name: m[1], content_type: m[2] });
  if (!text.endsWith(`--${boundary}--\r\n`)) failures.push("multipart body does not end with its closing boundary");
  return parts;
}

async function recordingFetch(url, init = {}) {
  const u = new URL(typeof url === "string" ? url : url.url);
  const rec = {
    method: init.method ?? "GET",
    path: u.pathname,
    content_type: headerValue(init.headers, "content-type"),
    content_encoding: headerValue(init.headers, "content-encoding"),
    api_key: headerValue(init.headers, "x-api-key"),
    user_agent: headerValue(init.headers, "user-agent"),
    streamed: !!(init.body && typeof init.body.tee === "function"),
  };
  let sent = init.body;
  let copy = init.body;
  if (rec.streamed) {
    [sent, copy] = init.body.tee();
  }
  const copied = bodyBytes(copy);
  let res;
  try {
    res = await fetch(url, { ...init, body: sent });
  } catch (e) {
    rec.error = String(e);
    requests.push(rec);
    failures.push(`${rec.method} ${rec.path}: ${e}`);
    throw e;
  }
  rec.status = res.status;
  let raw = await copied;
  rec.body_bytes = raw.length;
  if (rec.content_encoding === "gzip") {
    raw = gunzipSync(raw);
    rec.decoded_bytes = raw.length;
  }
  if (rec.path.endsWith("/runs/multipart")) {
    rec.parts = multipartParts(raw, rec.content_type ?? "");
  } else if (rec.path.endsWith("/runs/batch")) {
    const b = JSON.parse(raw.toString("utf8"));
    rec.post = (b.post ?? []).map((r) => r.id);
    rec.patch = (b.patch ?? []).map((r) => r.id);
  } else if (rec.method === "POST" && rec.path.endsWith("/runs")) {
    rec.post = [JSON.parse(raw.toString("utf8")).id];
  } else if (rec.method === "PATCH") {
    rec.patch = [rec.path.split("/").pop()];
  }
  if (res.status < 200 || res.status > 299) {
    rec.answer = await res.clone().text();
    failures.push(`${rec.method} ${rec.path} → ${res.status} ${rec.answer}`);
  }
  requests.push(rec);
  if (mode === "batch" && rec.path.endsWith("/info") && res.ok) {
    const info = await res.json();
    rec.rewritten = "batch_ingest_config.use_multipart_endpoint=false";
    info.batch_ingest_config = { ...info.batch_ingest_config, use_multipart_endpoint: false };
    return new Response(JSON.stringify(info), { status: res.status, headers: { "content-type": "application/json" } });
  }
  return res;
}

// --- the traced tree -------------------------------------------------------
const client = new Client({
  fetchImplementation: recordingFetch,
  autoBatchTracing: mode !== "single",
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const runs = {};
let traceId;
const note = (name) => {
  const tree = getCurrentRunTree();
  runs[name] = tree.id;
  traceId ??= tree.trace_id;
};

// Binary attachment bytes (PNG signature, NUL, 0xff, CRLF and a fake
// boundary); js_sdk_test.cpp expects exactly these.
const ATTACHMENT = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]),
  Buffer.from("\r\n------LangSmithFormBoundary\r\n--\r\n"),
]);

const retrieve = async (parent, query) => {
  const child = parent.createChild({
    name: "js_retriever",
    run_type: "retriever",
    inputs: { query },
    // Only multipart carries attachments as such (batch/single would JSON-encode the bytes).
    ...(mode === "multipart" ? { attachments: { image: ["image/png", new Uint8Array(ATTACHMENT)] } } : {}),
  });
  runs.js_retriever = child.id;
  await child.postRun();
  await child.end({ documents: [{ page_content: "tracepipe queues runs in Redis streams", metadata: { rank: 1 } }] });
  await child.patchRun();
  return "tracepipe queues runs in Redis streams";
};

const llm = traceable(
  async ({ messages }) => {
    note("js_llm");
    const context = await retrieve(getCurrentRunTree(), messages[0].content);
    return {
      content: `answer using: ${context}`,
      usage_metadata: { input_tokens: 12, output_tokens: 7, total_tokens: 19 },
    };
  },
  { name: "js_llm", run_type: "llm", metadata: { ls_model_name: "fake-model" }, tags: ["llm-tag"] },
);

const tool = traceable(
  async ({ city }) => {
    note("js_tool");
    return { forecast: `sunny ☀ in ${city} 🌤`, temperature_c: 21.5 };
  },
  { name: "js_tool", run_type: "tool" },
);

const failingTool = traceable(
  async ({ divisor }) => {
    note("js_failing_tool");
    if (divisor === 0) throw new Error("js_failing_tool: division by zero");
    return { quotient: 1 / divisor };
  },
  { name: "js_failing_tool", run_type: "tool" },
);

const root = traceable(
  async ({ question }) => {
    note("js_root");
    await sleep(PHASE_MS);
    const answer = await llm({ messages: [{ role: "user", content: question }] });
    // Non-ASCII: multipart part lengths ("; length=N") must be counted in
    // bytes of the UTF-8 encoding for ingest to accept these parts.
    const weather = await tool({ city: "São Paulo" });
    let failure = null;
    try {
      await failingTool({ divisor: 0 });
    } catch (e) {
      failure = e.message;
    }
    await sleep(PHASE_MS);
    return { answer: answer.content, weather: weather.forecast, failure };
  },
  { name: "js_root", run_type: "chain", client, metadata: { suite: "js_sdk_test", mode }, tags: ["js-sdk"] },
);

// --- run, flush, report ----------------------------------------------------
const timer = setTimeout(() => {
  report([`no result after ${DEADLINE_MS} ms (the SDK is still retrying or waiting)`], 3);
}, DEADLINE_MS);

let thrown = null;
try {
  await root({ question: "what does tracepipe do?" });
  await client.awaitPendingTraceBatches();
} catch (e) {
  thrown = e;
}
clearTimeout(timer);

const problems = [];
if (thrown) problems.push(`threw: ${thrown.stack ?? thrown}`);
if (Object.keys(runs).length !== 5) problems.push(`expected 5 runs, traced ${Object.keys(runs).length}`);
report(problems, 1);

// Prints the result line, then exits: `code` when anything went wrong, else 0.
function report(extra, code) {
  const result = {
    mode,
    sdk_version: sdkVersion,
    trace_id: traceId,
    run_ids: Object.values(runs),
    runs,
    requests,
  };
  const all = [...reported, ...failures, ...extra];
  process.stdout.write(JSON.stringify(result) + "\n", () => {
    if (all.length) {
      original.error(`trace_tree.mjs: ${all.length} problem(s):\n  ${all.join("\n  ")}`);
      process.exit(code);
    }
    process.exit(0);
  });
}
