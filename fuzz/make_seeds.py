#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from the unit tests' own
cases (tests/unit/run_reader_test.cpp, multipart_test.cpp, multipart_runs_test.cpp,
routes_test.cpp, clickhouse_error_test.cpp, queue_test.cpp, langfuse_reader_test.cpp). Re-run after
changing it; the output is committed (small files, a few dozen per target).
Files named regression-* are inputs that found a bug: kept as they are."""
import gzip, hashlib, json, os, struct

here = os.path.dirname(os.path.abspath(__file__))
root_id = "0f8fad5b-d9cb-469f-a165-70867728950e"
child_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
root_dotted = "20240501T120000123456Z" + root_id
child_dotted = root_dotted + ".20240501T120000200000Z" + child_id


def run(**kv):
    return json.dumps(kv, separators=(",", ":"))


root_post = run(id=root_id, trace_id=root_id, dotted_order=root_dotted, name="RunnableSequence", run_type="chain",
                start_time="2024-05-01T12:00:00.123456", inputs={"question": "what is 2+2?"},
                extra={"metadata": {"ls_run_depth": 0}, "runtime": {"sdk": "langsmith-py"}}, serialized={},
                events=[{"name": "start", "time": "2024-05-01T12:00:00.123456+00:00"}], tags=["demo"],
                session_name="my-project")
child_post = run(id=child_id, trace_id=root_id, parent_run_id=root_id, dotted_order=child_dotted, name="ChatOpenAI",
                 run_type="llm", start_time=1714564800200,
                 inputs={"messages": [{"role": "user", "content": "what is 2+2?"}]},
                 extra={"metadata": {"ls_provider": "openai"}}, tags=[], session_name="my-project")
root_patch = run(id=root_id, trace_id=root_id, dotted_order=root_dotted, end_time="2024-05-01T12:00:01.000000Z",
                 outputs={"answer": "4"}, error=None, session_name="my-project")
bad_ids = run(id="not-a-uuid", trace_id=root_id, dotted_order=root_dotted, name="n", run_type="chain",
              start_time="2024-05-01T12:00:00Z")
upper = root_post.replace(root_id, root_id.upper())
batch = '{"post":[%s,%s],"patch":[%s]}' % (root_post, child_post, root_patch)
batch_json = [batch, '{"post":[],"patch":[]}', '{"post":[%s]}' % bad_ids, '{"post":[%s]}' % upper,
              '{"post":[{"id":1}]}', '[' * 70 + ']' * 70, '{"post":null}', '{"patch":[%s]}' % root_patch]

seeds = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, []).append(data)


# run_reader_fuzz: first byte picks the entry point (0 batch, 1 post, 2/3 patch, 4 part run, 5 field).
for b in batch_json:
    add("run_reader_fuzz", b"\x00" + b.encode())
for r in (root_post, child_post, upper, bad_ids, "{}", '{"id":"%s"}' % root_id):
    add("run_reader_fuzz", b"\x01" + r.encode())
for r in (root_patch, '{"end_time":1714564801000}', '{"trace_id":"%s","dotted_order":"%s"}' % (root_id, root_dotted)):
    add("run_reader_fuzz", b"\x02" + r.encode())
    add("run_reader_fuzz", b"\x03" + r.encode())
add("run_reader_fuzz", b"\x04" + root_post.encode())
add("run_reader_fuzz", b"\x84" + root_patch.encode())
for f in ('{"question":"2+2?"}', '[{"name":"new_token"}]', '"boom"', 'nul'):
    add("run_reader_fuzz", b"\x05" + f.encode())
    add("run_reader_fuzz", b"\x85" + f.encode())

# multipart_fuzz: Content-Type value, "\n", body.
bnd = "2d9c4a0e5f1b4c6d8e7f9a0b1c2d3e4f"


def py_part(name, typ, data):
    return "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s\r\n" % (
        bnd, name, typ, len(data.encode()), data)


def js_part(name, typ, data):
    return "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\nContent-Type: %s; length=%d\r\n\r\n%s\r\n" % (
        bnd, name, typ, len(data.encode()), data)


close = "--%s--\r\n" % bnd
root_min = run(id=root_id, trace_id=root_id, dotted_order=root_dotted, name="n", run_type="chain",
               start_time="2024-05-01T12:00:00.123456Z", session_name="p")
patch_min = run(id=root_id, trace_id=root_id, dotted_order=root_dotted, end_time=1714564801000)
multipart_bodies = [
    py_part("post." + root_id, "application/json", root_min) + py_part("post.%s.inputs" % root_id, "application/json",
                                                                       '{"question":"2+2?"}') + close,
    js_part("post." + root_id, "application/json", root_min) + js_part("patch." + root_id, "application/json",
                                                                       patch_min) + close,
    py_part("post." + root_id, "application/json", root_min) + py_part("attachment.%s.img" % root_id, "image/png",
                                                                       "\x89PNG") + close,
    py_part("feedback." + root_id, "application/json", '{"score":1}') + py_part("post." + root_id, "application/json",
                                                                                root_post) + close,
    py_part("post." + root_id, "application/json", root_min) + py_part("post.%s.outputs" % root_id,
                                                                       "application/json", '{"answer":"4"}') + close,
    "preamble\r\n" + py_part("patch." + root_id, "application/json", patch_min) + close + "epilogue",
    py_part("post." + root_id, "application/json", '{"name":"n","run_type":"llm"}') + close,
    "--%s\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno close" % bnd,
    js_part("post." + root_id, "application/json", root_min).replace("length=", "length=1") + close,
]
for h in ("multipart/form-data; boundary=" + bnd, 'Multipart/Form-Data ;charset=utf-8; BOUNDARY="%s"' % bnd):
    for b in multipart_bodies:
        add("multipart_fuzz", h + "\n" + b)
for h in ("application/json", "multipart/form-data", "multipart/form-data; boundary=" + "b" * 71,
          "multipart/form-data; boundary=\"a\x01\""):
    add("multipart_fuzz", h + "\n")


# http_request_fuzz: whole requests as the client sends them.
def req(method, target, body=b"", ctype="application/json", extra=""):
    if isinstance(body, str):
        body = body.encode()
    head = "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
        method, target, ctype, len(body), extra)
    return head.encode() + body


for m, t in (("GET", "/info"), ("GET", "/api/v1/ok"), ("GET", "/readyz"), ("GET", "/metrics"), ("GET", "/nope"),
             ("DELETE", "/runs/batch")):
    add("http_request_fuzz", req(m, t))
add("http_request_fuzz", req("POST", "/runs/batch", batch))
add("http_request_fuzz", req("POST", "/api/v1/runs/batch?x=1", batch, extra="X-Tenant-Id: t1\r\n"))
add("http_request_fuzz", req("POST", "/runs", root_post))
add("http_request_fuzz", req("PATCH", "/runs/" + root_id, root_patch))
add("http_request_fuzz", req("PATCH", "/runs/" + child_id + "/", root_patch))
add("http_request_fuzz", req("POST", "/runs/batch", gzip.compress(batch.encode(), mtime=0),
                             extra="Content-Encoding: gzip\r\n"))
add("http_request_fuzz", req("POST", "/runs/batch", batch, ctype="text/plain"))
add("http_request_fuzz", req("POST", "/runs/multipart", multipart_bodies[0],
                             ctype="multipart/form-data; boundary=" + bnd))
add("http_request_fuzz", req("POST", "/runs/multipart", multipart_bodies[2],
                             ctype="multipart/form-data; boundary=" + bnd, extra="x-api-key: k\r\n"))
chunked_body = batch.encode()
add("http_request_fuzz", ("POST /runs/batch HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(chunked_body)).encode() + chunked_body +
    b"\r\n0\r\n\r\n")


# redis_reply_fuzz: RESP2 replies of XREADGROUP, XPENDING … IDLE, XCLAIM (as queue_test's servers answer).
def bulk(s):
    s = s.encode() if isinstance(s, str) else s
    return b"$%d\r\n%s\r\n" % (len(s), s)


def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def entry(i, fields):
    return arr(bulk(i), arr(*[bulk(x) for kv in fields for x in kv]))


fields = [("run_id", root_id), ("op", "post"), ("json", root_min)]
add("redis_reply_fuzz", arr(arr(bulk("tracepipe:runs:0"), arr(entry("1700000000000-0", fields),
                                                               entry("1700000000000-1", fields[:1])))))
add("redis_reply_fuzz", arr(arr(bulk("tracepipe:runs:0"), arr()), arr(bulk("tracepipe:runs:1"),
                                                                      arr(entry("1-0", fields)))))
add("redis_reply_fuzz", b"*-1\r\n")
add("redis_reply_fuzz", arr(arr(bulk("s"), arr(arr(bulk("1-0"), b"*-1\r\n")))))  # deleted while pending
add("redis_reply_fuzz", arr(arr(bulk("1700000000000-0"), bulk("c1"), b":60000\r\n", b":3\r\n"),
                            arr(bulk("1700000000000-1"), bulk("c2"), b":61000\r\n", b":1\r\n")))
add("redis_reply_fuzz", arr(entry("1700000000000-0", fields), b"$-1\r\n"))
add("redis_reply_fuzz", b"-NOGROUP No such key or consumer group\r\n")
add("redis_reply_fuzz", b"+OK\r\n+QUEUED\r\n:1\r\n" + arr(b":1\r\n", b":1\r\n"))
add("redis_reply_fuzz", arr(b":5\r\n", bulk("1-0"), bulk("9-0"), arr(arr(bulk("c"), bulk("5")))))


# clickhouse_reply_fuzz: 2 bytes status, 2 bytes exception-code header, body (clickhouse_error_test's bodies).
def ch(status, body, code=0):
    return struct.pack("<HH", (status - 100) % 500, code) + body.encode()


ch_bodies = [
    (500, 'Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected " before: notanumber"}: '
          '(while read the value of key n): (at row 1)\n, e.what() = DB::Exception\n'),
    (404, "Code: 60, e.displayText() = DB::Exception: Table chtest_cap.nope doesn't exist., e.what() = DB::Exception\n"),
    (404, "Code: 115, e.displayText() = DB::Exception: Unknown setting async_insert, e.what() = DB::Exception\n"),
    (500, "Code: 117, e.displayText() = DB::Exception: Unknown field found while parsing JSONEachRow format: zzz: "
          "(at row 1)\n, e.what() = DB::Exception\n"),
    (400, "Code: 27. DB::Exception: Cannot parse input: expected '\"' before: 'x': (at row 1)\n. "
          "(CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 24.3.2.23 (official build))\n"),
    (516, "Code: 516. DB::Exception: default: Authentication failed: password is incorrect. "
          "(AUTHENTICATION_FAILED) (version 26.5.1.1 (official build))"),
    (200, '{"a":1}\n{"a":2}\nCode: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED) '
          '(version 24.3.2.23)\n'),
    (200, '1\n2\n__exception__abcd\nCode: 395. DB::Exception: boom. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)\n'
          '42 abcd__exception__\n'),
    (200, "1\n2\nCode: 159, e.displayText() = DB::Exception: Timeout exceeded, e.what() = DB::Exception\n"),
    (200, "Ok.\n"), (503, "Service Unavailable"), (413, ""), (401, "Unauthorized"),
    (200, "18.16.1\n"), (200, "24.3.2.23"), (200, "23.8.1.94-lts"), (200, "26.5"), (200, "x.1"),
]
for s, b in ch_bodies:
    add("clickhouse_reply_fuzz", ch(s, b))
add("clickhouse_reply_fuzz", ch(500, "", 389))
add("clickhouse_reply_fuzz", ch(200, "Ok.\n", 241))


# otlp_export_fuzz: first byte 0 protobuf / 1 JSON (+2: a Langsmith-Project header), then the export.
def varint(n):
    out = b""
    while True:
        b, n = n & 0x7F, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def ld(field, data):  # a length-delimited field
    return varint(field << 3 | 2) + varint(len(data)) + data


def fixed64(field, n):
    return varint(field << 3 | 1) + struct.pack("<Q", n)


def kv(key, value):  # KeyValue with a string AnyValue
    return ld(1, key.encode()) + ld(2, ld(1, value.encode()))


def span(trace, span_id, parent, name, attrs, start=1700000000000000000):
    out = ld(1, trace) + ld(2, span_id) + (ld(4, parent) if parent else b"") + ld(5, name.encode())
    out += fixed64(7, start) + fixed64(8, start + 10**9)
    for k, v in attrs:
        out += ld(9, kv(k, v))
    out += ld(11, fixed64(1, start) + ld(2, b"exception") + ld(3, kv("exception.message", "boom")))
    return out + ld(15, ld(2, b"failed") + varint(3 << 3) + varint(2))


trace_bytes, root_span, child_span = bytes(range(1, 17)), bytes(range(17, 25)), bytes(range(33, 41))
spans = [span(trace_bytes, child_span, root_span, "chat", [("gen_ai.operation.name", "chat"),
                                                            ("gen_ai.prompt.0.content", "hi")]),
         span(trace_bytes, root_span, None, "agent", [("langsmith.span.kind", "chain"),
                                                      ("gen_ai.prompt", '{"q":"why"}')])]
proto_export = ld(1, ld(2, ld(1, ld(1, b"scope")) + b"".join(ld(2, x) for x in spans)))
add("otlp_export_fuzz", b"\x00" + proto_export)
add("otlp_export_fuzz", b"\x02" + proto_export[:-7])
add("otlp_export_fuzz", b"\x00")
json_span = {"traceId": trace_bytes.hex(), "spanId": child_span.hex(), "parentSpanId": root_span.hex(),
             "name": "chat", "kind": 3, "startTimeUnixNano": "1700000000000123000", "endTimeUnixNano": 1700000001000000000,
             "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}},
                            {"key": "l", "value": {"arrayValue": {"values": [{"boolValue": True},
                                                                              {"kvlistValue": {"values": []}}]}}},
                            {"key": "b", "value": {"bytesValue": "AQID"}}],
             "events": [{"name": "gen_ai.user.message", "attributes": [{"key": "content", "value": {"stringValue": "x"}}]}],
             "status": {"code": 2, "message": "m"}}
json_export = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "s"},
                                                                                   "spans": [json_span]}]}]}
add("otlp_export_fuzz", b"\x01" + json.dumps(json_export).encode())
add("otlp_export_fuzz", b"\x03" + json.dumps(json_export).replace(trace_bytes.hex(), "AQIDBAUGBwgJCgsMDQ4PEA==").encode())
add("otlp_export_fuzz", b"\x01{}")

# langfuse_reader_fuzz: POST /api/public/ingestion bodies (langfuse_reader_test's events).
def lf(eid, typ, body, ts="2024-05-01T12:00:00.000Z"):
    return {"id": eid, "timestamp": ts, "type": typ, "body": body}


lf_events = [
    lf("e1", "trace-create", {"id": "t", "name": "chat", "tags": ["a"], "metadata": {"k": "v"}, "public": True}),
    lf("e2", "span-create", {"id": "s", "traceId": "t", "startTime": "2024-05-01T12:00:00.100+02:00"}),
    lf("e3", "span-update", {"id": "s", "endTime": "2024-05-01T12:00:01Z", "level": "ERROR"}),
    lf("e4", "generation-create", {"id": "g", "traceId": "t", "model": "m", "usageDetails": {"input": 3},
                                   "promptName": "p", "promptVersion": 2}),
    lf("e5", "generation-update", {"id": "g", "costDetails": {"input": 0.1}}),
    lf("e6", "score-create", {"id": "sc", "traceId": "t", "name": "q", "value": 1, "dataType": "BOOLEAN"}),
    lf("e7", "event-create", {"id": "ev", "traceId": "t"}),
    lf("e8", "agent-create", {"id": "a"}),
    lf("e9", "sdk-log", {"log": "hello"}),
    lf("e10", "observation-create", {"id": "o", "type": "EVENT"}),
    lf("e11", "dataset-run-item-create", {"id": "d"}),
    lf("e12", "span-create", {"name": "no id"}),
    lf("e13", "trace-create", {}, "yesterday"),
    lf("e14", "run-create", {"id": "x"}),
    {"id": 5, "type": "trace-create"}, 17,
]
add("langfuse_reader_fuzz", json.dumps({"batch": lf_events, "metadata": {"sdk_name": "langfuse-js"}}))
for e in lf_events:
    add("langfuse_reader_fuzz", json.dumps({"batch": [e]}))
for b in ('{"batch":[]}', '{"events":[]}', '[]', '{"batch":null}', '{"batch":[' + '[' * 70 + ']' * 70 + ']}'):
    add("langfuse_reader_fuzz", b)

# stored_entries_fuzz: objects ingest.mode s3-first stores (s3_first_test's shapes).
stored_run = '{"kind":"post","run_id":"%s","trace_id":"%s","project":"my-project","received_at_us":"17","bytes":"9",' \
             '"run":%s,"part.attachment.img":{"base64":"AP/+"},"part.attachment.img.content_type":"image/png"}' % (
                 root_id, root_id, root_post)
stored_event = '{"kind":"langfuse","entity":"observation","body_id":"o1","event_id":"e1","trace_id":"t1",' \
               '"project":"p","received_at_us":"17","bytes":"30","event":%s}' % json.dumps(
                   {"id": "e1", "type": "span-create", "body": {"id": "o1", "name": "a \"q\" é"}})
for b in ("[" + stored_run + "]", "[" + stored_event + "," + stored_event + "]", "[]", '[{"kind":"post"}] []',
          '[{"run":"text"}]', '[{"part.x":{"base64":"!!"}}]', '[{"kind":3}]'):
    add("stored_entries_fuzz", b)

for target, items in seeds.items():
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if not f.startswith("regression-"):  # inputs that found bugs stay
            os.remove(os.path.join(d, f))
    for data in items:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(target, len(items))
