// Traces sent by the OpenTelemetry JS SDK's own OTLP exporters (from the
// repo's .deps, tools/setup.sh) to $OTLP_URL:
//   node otel_exporter.mjs proto|json TRACES
// proto: @opentelemetry/exporter-trace-otlp-proto, gzip, x-api-key and a
// Langsmith-Project header (LangSmith's way); json:
// @opentelemetry/exporter-trace-otlp-http (OTLP/JSON, hex ids) with Basic
// credentials (Langfuse's way). Each trace: a root "agent" span, an LLM
// child with gen_ai.* attributes and a tool child that fails with an
// exception. Prints one line of JSON:
//   {"spans": [{"trace_id", "span_id", "parent_span_id", "name"}],
//    "results": [export result code per export call (0: success)]}
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, "..", "..", "..", ".deps", "node_modules", "package.json"));
const { trace, context, SpanStatusCode } = require("@opentelemetry/api");
const { BasicTracerProvider, BatchSpanProcessor } = require("@opentelemetry/sdk-trace-base");

const [mode, tracesArg] = process.argv.slice(2);
const traces = Number(tracesArg ?? 10);
const url = process.env.OTLP_URL;
const key = process.env.OTLP_KEY ?? "test-key";

const inner =
  mode === "proto"
    ? new (require("@opentelemetry/exporter-trace-otlp-proto").OTLPTraceExporter)({
        url,
        compression: "gzip",
        headers: { "x-api-key": key, "Langsmith-Project": "otel-proto" },
      })
    : new (require("@opentelemetry/exporter-trace-otlp-http").OTLPTraceExporter)({
        url,
        headers: { Authorization: "Basic " + Buffer.from(`pk-lf-test:${key}`).toString("base64") },
      });

// The exporter as the processor sees it, noting every export's result.
const results = [];
const exporter = {
  export(spans, done) {
    inner.export(spans, (result) => {
      results.push(result.code);
      if (result.error) console.error(`export failed: ${result.error}`);
      done(result);
    });
  },
  shutdown: () => inner.shutdown(),
  forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
};

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 20, scheduledDelayMillis: 100 })],
});
const tracer = provider.getTracer("tracepipe-test", "1.0.0");
const spans = [];
const note = (span, parent, name) =>
  spans.push({
    trace_id: span.spanContext().traceId,
    span_id: span.spanContext().spanId,
    parent_span_id: parent ? parent.spanContext().spanId : "",
    name,
  });

for (let i = 0; i < traces; ++i) {
  const root = tracer.startSpan("agent", {
    attributes: { "langsmith.span.kind": "chain", "input.value": JSON.stringify({ question: `q${i}` }) },
  });
  const inRoot = trace.setSpan(context.active(), root);
  const llm = tracer.startSpan(
    "chat gpt-4o",
    {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 10 + i,
        "gen_ai.usage.output_tokens": 20,
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": `hello ${i}`,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": `hi ${i}`,
      },
    },
    inRoot,
  );
  llm.end();
  const tool = tracer.startSpan("search", { attributes: { "gen_ai.tool.name": "search" } }, inRoot);
  tool.recordException(new Error(`tool ${i} failed`));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: "failed" });
  tool.end();
  root.setAttribute("output.value", JSON.stringify({ answer: `a${i}` }));
  root.end();
  note(root, null, "agent");
  note(llm, root, "chat gpt-4o");
  note(tool, root, "search");
}
await provider.forceFlush();
await provider.shutdown();
console.log(JSON.stringify({ spans, results }));
