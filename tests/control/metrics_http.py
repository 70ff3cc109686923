# SPDX-License-Identifier: Apache-2.0
# metrics_http.py PORT CHECK...: a metrics address (minos up's "metrics")
# against real and hostile HTTP clients. Each CHECK prints "ok: NAME" or
# "FAIL: NAME: why"; the exit status is the number of failures.
#   http       keep-alive, pipelining, heads in pieces, HEAD, 404, 405,
#              HTTP/1.0, gzip asked, NUL and garbage, a head too long
#   crowd      100 silent clients and 100 sending half a head: a scrape
#              and the control socket (minos ps) are still answered at
#              once, and beside 100 answered clients that never close;
#              then 100 concurrent scrapes all succeed
#   latency=TRIGGER_PORT,CELL
#              a trigger with one place: its event-time histogram counts
#              the time an event waited for its turn
#   exposition every scrape for a few seconds is well-formed: one HELP
#              and TYPE per family, no series twice, histogram buckets
#              cumulative with +Inf equal to _count, no counter going down
import http.client
import re
import socket
import subprocess
import sys
import threading
import time

port = int(sys.argv[1])
failures = 0


def check(name, condition, why=""):
    global failures
    if condition:
        print(f"ok: {name}")
    else:
        failures += 1
        print(f"FAIL: {name}: {why}")


def connect(timeout=5):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_all(sock):
    """Everything until the server closes (or the timeout)."""
    data = b""
    try:
        while True:
            piece = sock.recv(65536)
            if not piece:
                break
            data += piece
    except socket.timeout:
        data += b"<timed out>"
    return data


def raw(data, timeout=5):
    sock = connect(timeout)
    sock.sendall(data)
    answer = read_all(sock)
    sock.close()
    return answer


def responses(data):
    """The HTTP responses in data: (status line, headers, body) each."""
    found = []
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(b":")
            headers[key.strip().lower().decode()] = value.strip().decode()
        length = int(headers.get("content-length", "0"))
        head_only = False
        found.append((lines[0].decode(), headers, rest[:length]))
        data = rest[length:]
    return found


def status_of(data):
    return data.split(b"\r\n", 1)[0].decode(errors="replace")


def get(connection, method="GET", path="/metrics", headers=None):
    connection.request(method, path, headers=headers or {})
    response = connection.getresponse()
    return response, response.read()


def http_checks():
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    bodies = []
    for _ in range(3):
        response, body = get(connection, headers={"Accept-Encoding": "gzip"})
        bodies.append((response.status, response.getheader("Content-Type"),
                       response.getheader("Content-Encoding"), int(response.getheader("Content-Length")), len(body)))
    check("keep-alive: three scrapes on one connection",
          all(b[0] == 200 and b[3] == b[4] and b[2] is None for b in bodies), bodies)
    check("Content-Type", bodies[0][1] == "text/plain; version=0.0.4; charset=utf-8", bodies[0][1])
    response, body = get(connection, "HEAD")
    check("HEAD: the length, no body", response.status == 200 and body == b"" and
          int(response.getheader("Content-Length")) > 0, response.status)
    response, body = get(connection, path="/")
    check("GET / is 404", response.status == 404, response.status)
    response, body = get(connection, path="/nothing?x=1")
    check("GET /nothing is 404", response.status == 404, response.status)
    response, body = get(connection, path="/metrics?" + "a" * 500)
    check("a query string is ignored", response.status == 200, response.status)
    response, body = get(connection, "POST")
    check("POST is 405 with Allow", response.status == 405 and
          response.getheader("Allow") == "GET, HEAD", response.status)
    connection.close()

    two = raw(b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n"
              b"Connection: close\r\n\r\n")
    found = responses(two)
    check("pipelined: two answers, then closed",
          len(found) == 2 and all(r[0] == "HTTP/1.1 200 OK" for r in found) and
          not two.endswith(b"<timed out>"), [r[0] for r in found])
    check("HTTP/1.0: answered and closed",
          status_of(raw(b"GET /metrics HTTP/1.0\r\n\r\n", timeout=3)) == "HTTP/1.1 200 OK")

    sock = connect()
    for byte in b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n":
        sock.send(bytes([byte]))
        time.sleep(0.002)
    answer = read_all(sock)
    sock.close()
    found = responses(answer)
    check("a head one byte per segment", len(found) == 1 and found[0][0] == "HTTP/1.1 200 OK" and
          len(found[0][2]) == int(found[0][1]["content-length"]), status_of(answer))

    # 300 requests at once, read slowly: every one answered, in order.
    sock = connect(timeout=10)
    count = 300
    sender = threading.Thread(target=sock.sendall, args=(
        b"GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n" * (count - 1) +
        b"HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",))
    sender.start()
    time.sleep(0.5)
    answer = read_all(sock)
    sender.join()
    sock.close()
    found = responses(answer)
    check(f"{count} pipelined requests, all answered", len(found) == count and
          all(r[0] == "HTTP/1.1 200 OK" for r in found) and
          found[-1][1].get("connection") == "close", f"{len(found)} answers")

    for name, data, status in [
        ("NUL in the request line", b"GET /metrics\0 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("garbage", b"\x01\x02 nonsense\r\n\r\n", "HTTP/1.1 400 Bad Request"),
        ("HTTP/2.0", b"GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"),
        ("a long method", b"PROPFIND /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed"),
        ("a head too long", b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large"),
    ]:
        start = time.monotonic()
        answer = raw(data, timeout=5)
        check(f"{name}: {status}, closed at once",
              status_of(answer) == status and not answer.endswith(b"<timed out>") and
              time.monotonic() - start < 3, status_of(answer))


def scrape_status(timeout=5):
    try:
        sock = connect(timeout)
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        answer = read_all(sock)
        sock.close()
        found = responses(answer)
        return found[0][0] if found and len(found[0][2]) == int(found[0][1]["content-length"]) else status_of(answer)
    except OSError as error:
        return str(error)


def crowd_checks(minos, system):
    silent = [connect() for _ in range(100)]
    halves = [connect() for _ in range(100)]
    for sock in halves:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nX-Slow: ")
    time.sleep(0.3)
    start = time.monotonic()
    status = scrape_status()
    check("a scrape beside 200 idle clients", status == "HTTP/1.1 200 OK" and
          time.monotonic() - start < 2, f"{status} after {time.monotonic() - start:.2f} s")
    start = time.monotonic()
    ps = subprocess.run([minos, "ps", system], capture_output=True, text=True, timeout=10)
    check("minos ps beside 200 idle metrics clients", ps.returncode == 0 and
          time.monotonic() - start < 2, ps.stderr)
    # Answered (400) but never closing: held only until a place is needed.
    lingering = [connect() for _ in range(100)]
    for sock in lingering:
        sock.sendall(b"\x01\x02\r\n\r\n")
    time.sleep(0.3)
    start = time.monotonic()
    status = scrape_status()
    check("a scrape beside 100 answered clients that never close", status == "HTTP/1.1 200 OK" and
          time.monotonic() - start < 2, f"{status} after {time.monotonic() - start:.2f} s")
    for sock in silent + halves + lingering:
        sock.close()
    results = []
    lock = threading.Lock()

    def one():
        status = scrape_status(timeout=20)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check("100 concurrent scrapes", results.count("HTTP/1.1 200 OK") == 100,
          sorted(set(results)))


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def exposition_problems(text):
    problems = []
    helps, types, series = set(), {}, set()
    buckets = {}
    counts = {}
    if not text.endswith("\n"):
        problems.append("no final newline")
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name = line[2:6], line.split(" ")[2]
            seen = helps if kind == "HELP" else types
            if name in seen:
                problems.append(f"{kind} {name} twice")
            if kind == "HELP":
                helps.add(name)
            else:
                types[name] = line.split(" ")[3]
            continue
        match = SAMPLE.match(line)
        if not match:
            problems.append(f"not a sample: {line!r}")
            continue
        name, labels, value = match.group(1), match.group(3) or "", match.group(4)
        pairs = tuple(LABEL.findall(labels))
        if (name, pairs) in series:
            problems.append(f"series twice: {line}")
        series.add((name, pairs))
        family = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(r"_(bucket|sum|count)$", "", name) in types else name
        if family not in types:
            problems.append(f"no TYPE before {name}")
        rest = tuple(p for p in pairs if p[0] != "le")
        if name.endswith("_bucket"):
            le = dict(pairs)["le"]
            buckets.setdefault((family, rest), []).append((float(le), float(value)))
        elif name.endswith("_count") and types.get(family) == "histogram":
            counts[(family, rest)] = float(value)
    for key, values in buckets.items():
        if [v for _, v in values] != sorted(v for _, v in values):
            problems.append(f"buckets not cumulative: {key}")
        if values[-1][0] != float("inf") or values[-1][1] != counts.get(key):
            problems.append(f"+Inf is not _count: {key}")
    return problems


def counters(text):
    """Every counter's and histogram's series and value: none may go down."""
    found = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and re.search(r"(_total|_bucket|_sum|_count)$", match.group(1)):
            found[(match.group(1), match.group(3))] = float(match.group(4))
    return found


def exposition_checks(seconds):
    end = time.monotonic() + seconds
    scrapes, problems, last = 0, [], {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while time.monotonic() < end and not problems:
        response, body = get(connection)
        scrapes += 1
        text = body.decode()
        problems = exposition_problems(text)
        now = counters(text)
        problems += [f"{key} went down: {last[key]} then {value}"
                     for key, value in now.items() if key in last and value < last[key]]
        last = now
        time.sleep(0.05)
    check(f"{scrapes} scrapes well-formed, no counter going down", not problems, problems[:5])


def histogram(cell):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    response, body = get(connection)
    values = {}
    for line in body.decode().splitlines():
        for part in ("sum", "count"):
            prefix = f'minos_trigger_event_seconds_{part}{{system="measured",cell="{cell}"}} '
            if line.startswith(prefix):
                values[part] = float(line[len(prefix):])
    return values.get("sum", 0.0), values.get("count", 0.0)


def latency_checks(trigger_port, cell):
    """Three clients at once at a trigger with one place: each holds its
    instance 0.5 s once served; the later ones wait their turn first, and
    that wait is part of their events' time (0.5 + 1.0 + 1.5 s)."""
    before_sum, before_count = histogram(cell)

    def client():
        sock = socket.create_connection(("127.0.0.1", trigger_port), timeout=10)
        sock.sendall(b"x\n")
        sock.recv(16)  # echoed: its instance runs
        time.sleep(0.5)
        sock.close()

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for _ in range(50):
        total, count = histogram(cell)
        if count >= before_count + 3:
            break
        time.sleep(0.1)
    check("event time includes time queued", count == before_count + 3 and total - before_sum >= 2.5,
          f"{count - before_count} events, {total - before_sum:.2f} s")


for name in sys.argv[2:]:
    if name == "http":
        http_checks()
    elif name.startswith("crowd="):
        minos, system = name[6:].split(",")
        crowd_checks(minos, system)
    elif name.startswith("latency="):
        trigger_port, cell = name[8:].split(",")
        latency_checks(int(trigger_port), cell)
    elif name.startswith("exposition="):
        exposition_checks(float(name[11:]))
sys.exit(failures)
