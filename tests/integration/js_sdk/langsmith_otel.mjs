// The LangSmith JS SDK in OpenTelemetry mode (LANGSMITH_OTEL_ENABLED=true,
// LANGSMITH_TRACING=true, LANGSMITH_ENDPOINT set by the caller):
// initializeOTEL() installs its tracer provider, and traceable functions
// become spans the SDK's LangSmithOTLPTraceExporter sends as protobuf to
// $LANGSMITH_ENDPOINT/otel/v1/traces.
//   node langsmith_otel.mjs TRACES
// Prints one line of JSON: {"sdk_version", "runs": [{"id", "trace_id",
// "parent_run_id", "name", "run_type"}]} — the run ids the SDK itself
// assigned (in OTel mode: the span id right-aligned in a zero UUID).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadLangsmith } from "./langsmith.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkgDir = path.resolve(here, "..", "..", "..", ".deps", "node_modules", "langsmith");
const require = createRequire(path.join(pkgDir, "package.json"));
const pkg = require("./package.json");
const esm = (subpath) => {
  const entry = pkg.exports[subpath];
  const file = typeof entry === "string" ? entry : entry.import ?? entry.default;
  return import(pathToFileURL(path.join(pkgDir, file)).href);
};

const traces = Number(process.argv[2] ?? 5);
const { initializeOTEL } = await esm("./experimental/otel/setup");
const { DEFAULT_LANGSMITH_SPAN_PROCESSOR } = initializeOTEL();
const { version, traceable, getCurrentRunTree } = await loadLangsmith();

const runs = [];
const note = (name, run_type) => {
  const run = getCurrentRunTree();
  runs.push({ id: run.id, trace_id: run.trace_id, parent_run_id: run.parent_run_id ?? "", name, run_type });
};
const retrieve = traceable(
  async (query) => {
    note("retrieve", "retriever");
    return [{ pageContent: `doc for ${query}` }];
  },
  { name: "retrieve", run_type: "retriever" },
);
const answer = traceable(
  async (messages) => {
    note("answer", "llm");
    return { role: "assistant", content: `echo ${messages[0].content}` };
  },
  { name: "answer", run_type: "llm" },
);
const pipeline = traceable(
  async (question) => {
    note("pipeline", "chain");
    const docs = await retrieve(question);
    return answer([{ role: "user", content: `${question} ${docs.length}` }]);
  },
  { name: "pipeline", run_type: "chain" },
);
for (let i = 0; i < traces; ++i) await pipeline(`question ${i}`);
await DEFAULT_LANGSMITH_SPAN_PROCESSOR.forceFlush();
await DEFAULT_LANGSMITH_SPAN_PROCESSOR.shutdown();
console.log(JSON.stringify({ sdk_version: version, runs }));
