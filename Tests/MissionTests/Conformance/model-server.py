#!/usr/bin/env python3
"""A scripted model server standing in for the providers in the conformance suite.

It speaks the Anthropic Messages API (/v1/messages, streaming and not, with tool use), the OpenAI
Responses API (/v1/responses, streaming) and OpenAI Chat Completions (/v1/chat/completions,
streaming and not, with tool calls). What it answers depends on the scenario named in the ticket's
text as `[scenario:NAME]`, and on how far the conversation has come (how many tool results it
holds). It reads the ticket id, role and session nonce from the prompt the watcher wrote, exactly
as an agent would, and never sees anything else of Mission Control.

Usage: model-server.py LOG_FILE. Prints `PORT <n>` on its first line once it listens on
127.0.0.1; appends one JSON line per request to LOG_FILE. Standard library only.
"""

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_PATH = sys.argv[1]
LOCK = threading.Lock()
# How many sessions each (ticket, role, scenario) started, counted by the distinct nonces seen.
NONCES: dict = {}
# When each rate-limit scenario first refused a request, by ticket.
REFUSED: dict = {}

TICKET = re.compile(r"^# (MC-[0-9A-Z]+):", re.M)
NONCE = re.compile(r"this session's nonce, which is ([A-Za-z0-9_-]+)")
ROLE = re.compile(r"serving the ([a-z_-]+) role")
SCENARIO = re.compile(r"\[scenario:([a-z0-9_-]+)\]")
WORKDIR = re.compile(r"(?:<cwd>|[Ww]orking directory: ?)(/[^\s<]+)")
ANY_NONCE = re.compile(r'"nonce": ?"([A-Za-z0-9_-]+)"')


def log(entry):
    entry["time"] = time.time()
    with LOCK, open(LOG_PATH, "a") as f:
        f.write(json.dumps(entry) + "\n")


def texts(value):
    """Every string inside a JSON value, in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)


class Conversation:
    """What one request says about the session it belongs to."""

    def __init__(self, body, api):
        self.api = api
        everything = "\n".join(texts(body))
        self.everything = everything
        # The ticket prompt is the one user text naming the ticket; the newest one wins (a resumed session
        # holds the first prompt and the new one).
        prompts = [t for t in texts(self.user_parts(body)) if TICKET.search(t) and NONCE.search(t)]
        self.prompt = prompts[-1] if prompts else None
        self.earlier_prompts = prompts[:-1]
        p = self.prompt or ""
        self.ticket = (TICKET.search(p) or [None, None])[1]
        self.nonce = (NONCE.search(p) or [None, None])[1]
        self.role = (ROLE.search(p) or [None, None])[1]
        found = SCENARIO.findall(p)
        self.scenario = found[0] if found else "edit"
        match = WORKDIR.search(everything)
        self.workdir = match.group(1) if match else None
        self.tool_results = self.count_tool_results(body)
        self.tools = self.tool_names(body)
        if self.prompt:
            key = (self.ticket, self.role, self.scenario)
            with LOCK:
                seen = NONCES.setdefault(key, [])
                if self.nonce not in seen:
                    seen.append(self.nonce)
                self.session_index = seen.index(self.nonce)
        else:
            self.session_index = 0

    def user_parts(self, body):
        if self.api == "anthropic":
            return [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]
        if self.api == "responses":
            items = body.get("input", [])
            if isinstance(items, str):
                return [items]
            return [i.get("content") for i in items if i.get("role") == "user"]
        return [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]

    def count_tool_results(self, body):
        n = 0
        if self.api == "anthropic":
            for m in body.get("messages", []):
                if isinstance(m.get("content"), list):
                    n += sum(1 for c in m["content"] if c.get("type") == "tool_result")
        elif self.api == "responses":
            items = body.get("input", [])
            if isinstance(items, list):
                n = sum(1 for i in items if i.get("type") in ("function_call_output", "custom_tool_call_output"))
        else:
            n = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
        # Only the results since the newest ticket prompt count: a resumed session starts its own count.
        return n - self.results_before_prompt(body)

    def results_before_prompt(self, body):
        if not self.prompt:
            return 0
        n = 0
        if self.api == "anthropic":
            for m in body.get("messages", []):
                content = m.get("content")
                if m.get("role") == "user" and self.prompt in "\n".join(texts(content)):
                    return n
                if isinstance(content, list):
                    n += sum(1 for c in content if c.get("type") == "tool_result")
        elif self.api == "responses":
            items = body.get("input", [])
            for i in items if isinstance(items, list) else []:
                if i.get("role") == "user" and self.prompt in "\n".join(texts(i.get("content"))):
                    return n
                if i.get("type") in ("function_call_output", "custom_tool_call_output"):
                    n += 1
        else:
            for m in body.get("messages", []):
                if m.get("role") == "user" and self.prompt in "\n".join(texts(m.get("content"))):
                    return n
                if m.get("role") == "tool":
                    n += 1
        return 0

    def tool_names(self, body):
        names = []
        for tool in body.get("tools", []) or []:
            name = tool.get("name") or (tool.get("function") or {}).get("name")
            if name:
                names.append(name)
        return names

    def sentinel(self, signal, **extra):
        fields = {"mission_signal": signal, "ticket": self.ticket, "nonce": self.nonce}
        fields.update(extra)
        return json.dumps(fields)

    def earlier_nonces(self):
        """Nonces of earlier sessions that this (resumed) conversation holds."""
        return [n for n in ANY_NONCE.findall("\n".join(self.earlier_prompts) + self.assistant_text())
                if n != self.nonce and n != "NONCE"]

    def assistant_text(self):
        return self.everything  # the earlier sentinel sits in an assistant turn; any mention will do


def plan(conv):
    """What to answer: ("tool", file, content) | ("text", text) | ("error", status, headers, body) | ("hang",)."""
    s = conv.scenario
    if conv.prompt is None:
        return ("text", "ok")
    if s == "hang":
        return ("hang",)
    if s == "ratelimit" or s.startswith("ratelimit-"):
        # Refuses every request for N seconds (ratelimit-N; 3600 by default) from its first refusal, saying
        # when the limit lifts in the body and the headers; then answers as the edit scenario does.
        window = int(s.split("-", 1)[1]) if "-" in s else 3600
        now = time.time()
        with LOCK:
            first = REFUSED.setdefault(conv.ticket, now)
        remaining = int(first + window - now + 0.999)
        if remaining > 0:
            reset = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + remaining))
            headers = {"retry-after": str(remaining), "anthropic-ratelimit-requests-reset": reset,
                       "x-ratelimit-reset-requests": f"{remaining}s", "x-ratelimit-remaining-requests": "0"}
            return ("error", 429, headers, ("rate_limit_error", f"Rate limit reached; retry after {remaining} seconds."))
        s = "edit"
    if s in ("overloaded", "auth"):
        if s == "overloaded":
            return ("error", 529, {}, ("overloaded_error", "Overloaded"))
        return ("error", 401, {}, ("authentication_error", "invalid x-api-key"))
    if s == "echo":
        return ("text", "Here is my prompt:\n" + conv.prompt)
    if conv.role in ("qa", "tester", "validator", "reviewer", "designer") and conv.role != "coder":
        if s == "review" and conv.session_index == 0:
            return ("text", "I found a problem.\n" + conv.sentinel(
                "DONE", summary="conformance.txt lacks a final line", verdict="return_for_fixes",
                findings=[{"severity": "major", "text": "conformance.txt needs the line 'reviewed'"}]))
        return ("text", "Looks right.\n" + conv.sentinel("DONE", summary="the change meets the acceptance",
                                                         verdict="pass", findings=[]))
    if s == "question" and conv.session_index == 0 and conv.tool_results == 0:
        return ("text", "I need to know one thing.\n" + conv.sentinel("QUESTION", summary="Which port should it listen on?",
                                                                     question="Which port should it listen on?"))
    if conv.tool_results == 0:
        content = "written by the agent\n"
        if s == "review" and conv.session_index > 0:
            content += "reviewed\n"
        if s == "question":
            content = "port 8080\n" if "8080" in conv.prompt else "port unknown\n"
        return ("tool", "conformance.txt", content)
    text = "I wrote conformance.txt.\n"
    if s == "question" and conv.session_index > 0:
        # A resumed agent that repeats its first session's signal, then gives this session's.
        for old in conv.earlier_nonces()[:1]:
            text += json.dumps({"mission_signal": "QUESTION", "ticket": conv.ticket, "nonce": old,
                                "summary": "Which port should it listen on?"}) + "\n"
    return ("text", text + conv.sentinel("DONE", summary="wrote conformance.txt"))


def tool_call(conv, file, content):
    """The name and arguments of a tool call that writes `file` with the tools this client offers."""
    path = f"{conv.workdir}/{file}" if conv.workdir else file
    tools = conv.tools
    if "Write" in tools:
        return "Write", {"file_path": path, "content": content}
    if "write_file" in tools:
        return "write_file", {"path": path, "file_path": path, "content": content}
    if "WriteFile" in tools:
        return "WriteFile", {"path": path, "content": content}
    shell = next((t for t in ("exec_command", "shell", "Shell", "terminal", "bash", "Bash") if t in tools), None)
    quoted = content.replace("'", "'\\''")
    command = f"printf '%s' '{quoted}' > {file}"
    if shell == "exec_command":
        return shell, {"cmd": command}
    if shell == "shell":
        return shell, {"command": ["bash", "-lc", command]}
    if shell:
        return shell, {"command": command}
    return None, None


def system_text(body):
    """The system prompt of a request, in any of the three APIs."""
    parts = [body.get("system"), body.get("instructions")]
    parts += [m.get("content") for m in body.get("messages", []) or [] if m.get("role") in ("system", "developer")]
    return "\n".join(texts(parts))


def edit_block(body, file, content):
    """An edit that writes `file` in the reply-text format the system prompt asks for (aider's edit formats), or
    None when it names none: `whole` wants a file listing, `diff`/`diff-fenced` a SEARCH/REPLACE block (an empty
    SEARCH creates the file)."""
    system = system_text(body)
    if "*file listing*" in system:
        return f"{file}\n```\n{content}```\n\n"
    if "*SEARCH/REPLACE block*" in system:
        return f"{file}\n```\n<<<<<<< SEARCH\n=======\n{content}>>>>>>> REPLACE\n```\n\n"
    return None


def last_tool_output(body):
    """The text of the newest tool result the request carries, for the log."""
    results = []
    for m in body.get("messages", []) or []:
        if m.get("role") == "tool":
            results.append(m.get("content"))
        elif isinstance(m.get("content"), list):
            results += [c.get("content") for c in m["content"] if isinstance(c, dict) and c.get("type") == "tool_result"]
    items = body.get("input")
    for i in items if isinstance(items, list) else []:
        if i.get("type") in ("function_call_output", "custom_tool_call_output"):
            results.append(i.get("output"))
    return "\n".join(texts(results[-1])) if results else ""


def sse(handler, events):
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.send_header("cache-control", "no-cache")
    # No length is known up front: the stream ends when the connection closes.
    handler.send_header("connection", "close")
    handler.close_connection = True
    handler.end_headers()
    for name, data in events:
        if name:
            handler.wfile.write(f"event: {name}\n".encode())
        handler.wfile.write(f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode())
        handler.wfile.flush()


def anthropic(handler, body, conv, action):
    model = body.get("model", "claude-sonnet-4-5")
    blocks = []
    if action[0] == "tool":
        name, arguments = tool_call(conv, action[1], action[2])
        blocks.append({"type": "tool_use", "id": f"toolu_{int(time.time() * 1000)}", "name": name, "input": arguments})
        stop = "tool_use"
    else:
        blocks.append({"type": "text", "text": action[1]})
        stop = "end_turn"
    usage = {"input_tokens": 120, "output_tokens": 30, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    message = {"id": f"msg_{int(time.time() * 1000)}", "type": "message", "role": "assistant", "model": model}
    if not body.get("stream"):
        handler.reply(200, dict(message, content=blocks, stop_reason=stop, stop_sequence=None, usage=usage))
        return
    events = [("message_start", {"type": "message_start", "message": dict(message, content=[], stop_reason=None,
                                                                          stop_sequence=None, usage=dict(usage, output_tokens=1))})]
    for index, block in enumerate(blocks):
        if block["type"] == "text":
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": {"type": "text", "text": ""}}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": dict(block, input={})}))
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": {"type": "input_json_delta",
                                                             "partial_json": json.dumps(block["input"])}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": {"output_tokens": 30}}))
    events.append(("message_stop", {"type": "message_stop"}))
    sse(handler, events)


def responses(handler, body, conv, action):
    rid = f"resp_{int(time.time() * 1000)}"
    if action[0] == "tool":
        name, arguments = tool_call(conv, action[1], action[2])
        item = {"type": "function_call", "id": f"fc_{rid}", "call_id": f"call_{rid}", "name": name,
                "arguments": json.dumps(arguments), "status": "completed"}
    else:
        item = {"type": "message", "id": f"msg_{rid}", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": action[1], "annotations": []}]}
    usage = {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 30,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 150}
    response = {"id": rid, "object": "response", "status": "in_progress", "model": body.get("model"), "output": []}
    events = [("response.created", {"type": "response.created", "response": response})]
    added = dict(item, status="in_progress")
    if item["type"] == "message":
        added["content"] = []
    events.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": added}))
    if item["type"] == "message":
        events.append(("response.output_text.delta", {"type": "response.output_text.delta", "item_id": item["id"],
                                                      "output_index": 0, "content_index": 0, "delta": action[1]}))
    events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}))
    events.append(("response.completed", {"type": "response.completed",
                                          "response": dict(response, status="completed", output=[item], usage=usage)}))
    sse(handler, events)


def chat(handler, body, conv, action):
    cid = f"chatcmpl-{int(time.time() * 1000)}"
    model = body.get("model", "local")
    usage = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    if action[0] == "tool":
        name, arguments = tool_call(conv, action[1], action[2])
        message = {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"call_{cid}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}
        finish = "tool_calls"
    else:
        message = {"role": "assistant", "content": action[1]}
        finish = "stop"
    if not body.get("stream"):
        handler.reply(200, {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
                            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})
        return
    base = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    chunks = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])]
    if message.get("tool_calls"):
        call = message["tool_calls"][0]
        chunks.append(dict(base, choices=[{"index": 0, "delta": {"tool_calls": [dict(call, index=0)]}, "finish_reason": None}]))
    else:
        chunks.append(dict(base, choices=[{"index": 0, "delta": {"content": message["content"]}, "finish_reason": None}]))
    chunks.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}], usage=usage))
    sse(handler, [(None, c) for c in chunks] + [(None, "[DONE]")])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self.reply(200, {"object": "list", "data": [{"id": "local-model", "object": "model", "owned_by": "local"}]})
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        path = self.path.split("?")[0]
        if path.endswith("/count_tokens"):
            log({"path": path, "action": "count_tokens"})
            return self.reply(200, {"input_tokens": 120})
        api = "anthropic" if path.endswith("/messages") else "responses" if path.endswith("/responses") else "chat"
        conv = Conversation(body, api)
        action = plan(conv)
        edit = action[0] == "tool" and tool_call(conv, action[1], action[2])[0] is None and edit_block(body, action[1], action[2])
        if edit:
            # A client that edits by parsing the reply text (aider): the edit block, then what the agent says once
            # the write is done, in one reply (such a client makes one request per message).
            conv.tool_results += 1
            action = ("text", edit + plan(conv)[1])
            conv.tool_results -= 1
        log({"time": time.time(), "path": path, "api": api, "ticket": conv.ticket, "role": conv.role, "scenario": conv.scenario,
             "nonce": conv.nonce, "session_index": conv.session_index, "tool_results": conv.tool_results,
             "resumed_context": bool(conv.earlier_prompts), "tools": conv.tools[:40], "workdir": conv.workdir,
             "action": action[0] if action[0] != "tool" else f"tool:{tool_call(conv, action[1], action[2])[0]}",
             "stream": bool(body.get("stream")), "edit_block": bool(edit), "last_tool_output": last_tool_output(body)[:500]})
        if action[0] == "hang":
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(b'event: ping\ndata: {"type": "ping"}\n\n')
            self.wfile.flush()
            time.sleep(600)
            return
        if action[0] == "error":
            status, headers, (kind, message) = action[1], action[2], action[3]
            if api == "anthropic":
                payload = {"type": "error", "error": {"type": kind, "message": message}}
            else:
                payload = {"error": {"type": kind, "code": kind, "message": message}}
            return self.reply(status, payload, headers)
        if action[0] == "tool" and tool_call(conv, action[1], action[2])[0] is None:
            action = ("text", "I have no tool to write files with.\n" + conv.sentinel("BLOCKED", summary="no write tool"))
        {"anthropic": anthropic, "responses": responses, "chat": chat}[api](self, body, conv, action)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
