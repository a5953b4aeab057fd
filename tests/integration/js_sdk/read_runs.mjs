// Writes a small run tree with the official LangSmith JS SDK into
// $LANGSMITH_ENDPOINT (a whole write path: `tracepipe serve`), then reads it
// back the way users do: client.readRun(id) until every run shows its end
// (its patch applied), and client.listRuns({projectName, traceId}) — which
// first resolves the project (GET /sessions?name=) and then pages through
// POST /runs/query with the SDK's own cursor handling.
// Prints one line of JSON on stdout:
//   {"sdk_version", "project", "trace_id",
//    "written": {id: {"name", "inputs", "outputs"}},
//    "read": {id: run as readRun returned it},
//    "listed": [ids of listRuns with limit 2], "listed_all": [ids without
//    limit], "pages": POST /runs/query requests the unlimited list made}
// Exits non-zero on an SDK failure, a non-2xx answer or the deadline.
import { loadLangsmith } from "./langsmith.mjs";

const DEADLINE_MS = 60000;
const deadline = Date.now() + DEADLINE_MS;
const fail = (why) => {
  process.stderr.write(`read_runs.mjs: ${why}\n`);
  process.exit(1);
};
setTimeout(() => fail(`not done within ${DEADLINE_MS} ms`), DEADLINE_MS).unref();

// traceable traces only when tracing is on.
process.env.LANGSMITH_TRACING = "true";

const { version: sdkVersion, Client, traceable, getCurrentRunTree } = await loadLangsmith();

let pages = 0;
const countingFetch = async (url, init = {}) => {
  const res = await fetch(url, init);
  if (new URL(typeof url === "string" ? url : url.url).pathname.endsWith("/runs/query")) pages++;
  if (!res.ok && res.status !== 404) fail(`${init.method ?? "GET"} ${url}: HTTP ${res.status} ${await res.clone().text()}`);
  return res;
};

const project = `js-read-${process.pid}-${Date.now()}`;
const client = new Client({
  apiUrl: process.env.LANGSMITH_ENDPOINT,
  apiKey: process.env.LANGSMITH_API_KEY ?? "test-key",
  fetchImplementation: countingFetch,
});

// --- write: a root with three children, through the SDK's tracing --------
const written = {};
let traceId;
// Each run notes its id and inputs as the SDK's run tree holds them, and
// what it returns (its outputs).
const noted = (name, runType, fn) =>
  traceable(
    async (x) => {
      const tree = getCurrentRunTree();
      const outputs = await fn(x);
      written[tree.id] = { name, inputs: tree.inputs, outputs };
      traceId = tree.trace_id;
      return outputs;
    },
    { name, run_type: runType, client, project_name: project },
  );
const child = (name, runType) => noted(name, runType, async (x) => ({ doubled: x.n * 2, by: name }));
const root = noted("js_read_root", "chain", async (x) => {
  const a = await child("js_read_llm", "llm")({ n: 1 });
  const b = await child("js_read_tool", "tool")({ n: 2 });
  const c = await child("js_read_retriever", "retriever")({ n: 3 });
  return { answers: [a.doubled, b.doubled, c.doubled], q: x.q };
});
await root({ q: "what is 2+2", note: "ünïcode ✓" });
await client.awaitPendingTraceBatches();
if (Object.keys(written).length !== 4) fail(`expected 4 runs written, saw ${JSON.stringify(written)}`);

// --- read: each run by id, until its patch shows -----------------------------
const read = {};
for (const id of Object.keys(written)) {
  for (;;) {
    let run = null;
    try {
      run = await client.readRun(id);
    } catch (e) {
      if (!String(e).includes("404")) fail(`readRun(${id}): ${e}`);
    }
    if (run && run.end_time && run.outputs) {
      read[id] = run;
      break;
    }
    if (Date.now() > deadline - 10000) fail(`run ${id} never became visible with its end through readRun`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// --- list: the trace in the project --------------------------------------
// listRuns' limit caps what it yields; without one it walks every page the
// server hands out (the test's server pages 3 runs at a time).
const listed = [];
for await (const run of client.listRuns({ projectName: project, traceId, limit: 2 })) listed.push(run.id);
const pagesBefore = pages;
const listedAll = [];
for await (const run of client.listRuns({ projectName: project, traceId })) listedAll.push(run.id);

process.stdout.write(
  JSON.stringify({
    sdk_version: sdkVersion,
    project,
    trace_id: traceId,
    written,
    read,
    listed,
    listed_all: listedAll,
    pages: pages - pagesBefore,
  }) + "\n",
);
process.exit(0);
