#!/usr/bin/env python3
"""Lines up the load test's slow requests with a scheduler trace of the whole machine.

1. Run the load test with TOKENOPS_LOADTEST_TRACE_DIR=<dir>: every open-loop run writes <dir>/<scenario>-<target>-<time>.tsv
   (intended send, actual send, last byte: CLOCK_MONOTONIC ns, one line per measured request).
2. During that run: perf record -k CLOCK_MONOTONIC -e sched:sched_switch -e sched:sched_wakeup -a -o sched.data -- sleep 6
3. perf script -i sched.data -F comm,tid,cpu,time,event,trace --ns > sched.txt
4. slow-requests.py sched.txt <run>.tsv [--wait-us 100] [--band-us 600:900] [--show 4]

Prints: the requests inside the trace window (latency, send lag = how late the generator sent, service = send to last
byte); every scheduler wait (wake-up to running) longer than --wait-us, grouped by the woken thread and what its CPU
was running when it was woken; and the per-CPU timeline of the first --show requests whose latency is in --band-us.
"""
import argparse, bisect, collections, re

LINE = re.compile(r'^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:(\w+):\s+(.*)$')
SWITCH = re.compile(r'prev_comm=(.*?) prev_pid=(\d+).*prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)')
WAKEUP = re.compile(r'comm=(.*?) pid=(\d+).*target_cpu=(\d+)')
KERNEL = ('kworker', 'ksoftirq', 'rcu_', 'migration', 'perf', 'kdamond', 'kcompactd')


def read_events(path):
    events = []
    for line in open(path):
        m = LINE.match(line)
        if m and m.group(5) in ('sched_switch', 'sched_wakeup'):
            comm, tid, cpu, t, kind, rest = m.groups()
            events.append((int(round(float(t) * 1e9)), int(cpu), kind, comm.strip(), int(tid), rest))
    events.sort()
    return events


def pct(values, q):
    return values[min(len(values) - 1, int(len(values) * q))] / 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sched'); ap.add_argument('tsv')
    ap.add_argument('--wait-us', type=float, default=100); ap.add_argument('--band-us', default='600:900')
    ap.add_argument('--show', type=int, default=4)
    args = ap.parse_args()
    events = read_events(args.sched)
    first, last = events[0][0], events[-1][0]
    requests = []
    with open(args.tsv) as f:
        next(f)
        for line in f:
            intended, sent, done = map(int, line.split())
            if intended > first + 1_000_000 and done < last - 1_000_000:
                requests.append((intended, sent, done))
    lat = sorted(d - i for i, s, d in requests); lag = sorted(s - i for i, s, d in requests); svc = sorted(d - s for i, s, d in requests)
    print(f"{len(requests)} requests in the trace window (us)")
    for name, v in (('latency', lat), ('send lag', lag), ('service', svc)):
        print(f"  {name:9s} p50 {pct(v, .5):6.0f}  p90 {pct(v, .9):6.0f}  p99 {pct(v, .99):6.0f}  p99.9 {pct(v, .999):6.0f}")

    # Scheduler waits: wake-up -> switched in.
    running, pending = {}, {}
    waits, total = collections.defaultdict(list), 0
    for t, cpu, kind, comm, tid, rest in events:
        if kind == 'sched_wakeup':
            m = WAKEUP.search(rest)
            pending[int(m.group(2))] = (t, int(m.group(3)), m.group(1))
        else:
            m = SWITCH.search(rest)
            nxt = int(m.group(5))
            woken = pending.pop(nxt, None)
            if woken and not woken[2].startswith(KERNEL):
                total += 1
                if t - woken[0] > args.wait_us * 1e3:
                    was = running.get(woken[1], '?') + ('' if woken[1] == cpu else ' (then migrated)')
                    waits[(f"{woken[2]}[{nxt}]", was)].append((t - woken[0]) / 1e3)
            running[cpu] = f"{m.group(4)}[{nxt}]"
    count = sum(len(v) for v in waits.values())
    print(f"\n{count} of {total} wake-ups waited over {args.wait_us:.0f} us (woken thread <- what its CPU was running)")
    for key, v in sorted(waits.items(), key=lambda kv: -len(kv[1]))[:20]:
        print(f"  {len(v):4d} x avg {sum(v) / len(v):6.0f} us  {key[0]:28s} <- {key[1]}")

    lo, hi = (float(x) * 1e3 for x in args.band_us.split(':'))
    times = [e[0] for e in events]
    for intended, sent, done in [r for r in requests if lo <= r[2] - r[0] < hi][:args.show]:
        print(f"\n=== latency {(done - intended) / 1e3:.0f} us, send lag {(sent - intended) / 1e3:.0f} us (times from the intended send)")
        i = bisect.bisect_left(times, intended - 30_000)
        while i < len(events) and events[i][0] <= done + 20_000:
            t, cpu, kind, comm, tid, rest = events[i]
            if kind == 'sched_switch':
                m = SWITCH.search(rest)
                text = f"cpu{cpu} {m.group(1)}[{m.group(2)}]({m.group(3)}) -> {m.group(4)}[{m.group(5)}]"
            else:
                m = WAKEUP.search(rest)
                text = f"cpu{cpu} wake {m.group(1)}[{m.group(2)}] onto cpu{int(m.group(3))} (by {comm}[{tid}])"
            print(f"  {(t - intended) / 1e3:8.1f}  {text}")
            i += 1


if __name__ == '__main__':
    main()
