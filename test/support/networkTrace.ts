/**
 * A record of every connection a process tree tried, optionally in a network namespace with only
 * loopback: the proof behind "offline" (README). Linux only; the namespace needs root.
 *
 * - `isolatedCommand` wraps a command in `unshare -n` (a new, empty namespace: `lo` only, which
 *   it brings up) and `strace -f` logging connect/sendto/sendmsg with their addresses, and the
 *   execs and clones that say which program made each. seccomp-bpf stops the tree only at those
 *   calls, so tracing costs next to nothing.
 * - A new namespace has its own 127.0.0.1, unreachable from outside: code-server listens on a
 *   unix socket instead, and `unixSocketProxy` serves it on the caller's 127.0.0.1 for Chromium.
 * - `readConnections` parses the strace log; `namespaceCounters` reads the namespace's interface
 *   and IP counters through any process inside it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/** The calls that reach an address, and those that tell which program each thread belongs to. */
export const TRACED_CALLS = 'connect,sendto,sendmsg,sendmmsg,execve,clone,clone3,fork,vfork';

/** `[command, args]` running `cmd args` with its connection attempts traced into `logFile`. */
export function tracedCommand(cmd: string, args: string[], logFile: string): [string, string[]] {
  return ['strace', ['-f', '--seccomp-bpf', '-qq', '-s', '256', '-e', `trace=${TRACED_CALLS}`, '-e', 'signal=none', '-o', logFile, cmd, ...args]];
}

/** `[command, args]` running `cmd args` in a loopback-only namespace, traced into `logFile`. */
export function isolatedCommand(cmd: string, args: string[], logFile: string): [string, string[]] {
  const [strace, traced] = tracedCommand(cmd, args, logFile);
  return ['unshare', ['--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', strace, ...traced]];
}

/** Why this machine cannot isolate and trace (root, unshare, ip and strace are needed), or undefined. */
export function canIsolateNetwork(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['/usr/bin/unshare', '/usr/bin/strace']) if (!fs.existsSync(tool)) return `${tool} missing`;
  if (!['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip'].some((p) => fs.existsSync(p))) return 'ip (iproute2) missing';
  return undefined;
}

/** Serves the unix socket `socketPath` on 127.0.0.1 (the caller's namespace), byte for byte. */
export async function unixSocketProxy(socketPath: string): Promise<{ url: string; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Connection {
  /** The thread that made the call. */
  pid: number;
  /** The command line of its process (what it last exec'd), shortened. */
  program: string;
  call: string;
  family: 'inet' | 'inet6' | 'unix';
  /** The IP address, or the socket path. */
  address: string;
  port?: number;
  /** What the call returned, e.g. `0`, `-1 ECONNREFUSED`, `-1 EINPROGRESS`. */
  result: string;
}

const LINE = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(.*)$/;
const INET = /sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/;
const INET6 = /sa_family=AF_INET6, sin6_port=htons\((\d+)\),.*?inet_pton\(AF_INET6, "([^"]+)"/;
const UNIX = /sa_family=AF_UNIX, sun_path=(@?"[^"]*")/;
const ADDRESSED = new Set(['connect', 'sendto', 'sendmsg', 'sendmmsg']);

/** The log's calls, each on one line: strace splits a call other threads interrupt into `<unfinished ...>` and `<... resumed>`. */
function joinedCalls(text: string): string[] {
  const pending = new Map<string, string>();
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const unfinished = /^(\d+)\s+(.*) <unfinished \.\.\.>$/.exec(line);
    const resumed = /^(\d+)\s+<\.\.\. \w+ resumed>(.*)$/.exec(line);
    if (unfinished) pending.set(unfinished[1], unfinished[2]);
    else if (resumed) {
      out.push(`${resumed[1]} ${pending.get(resumed[1]) ?? ''}${resumed[2]}`);
      pending.delete(resumed[1]);
    } else out.push(line);
  }
  return out;
}

/**
 * Every addressed connect/send in a strace log, with the program that made it; sends without an
 * address (on a connected socket) are left out. A thread's program is its process's last exec:
 * clones with CLONE_THREAD share it, other clones inherit it until they exec.
 */
export function readConnections(logFile: string): Connection[] {
  const processOf = new Map<number, number>();
  const programOf = new Map<number, string>();
  const leader = (pid: number) => processOf.get(pid) ?? pid;
  const out: Connection[] = [];
  for (const line of joinedCalls(fs.readFileSync(logFile, 'utf8'))) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [, pidText, call, argsText, result] = m;
    const pid = Number(pidText);
    if (call === 'execve' && result.startsWith('0')) {
      const argv = /^"[^"]*", \[(.*?)\](, 0x| \/\*|,)/.exec(argsText)?.[1] ?? argsText;
      programOf.set(leader(pid), argv.replace(/"/g, '').replace(/, /g, ' ').slice(0, 160));
    } else if (/^(clone3?|v?fork)$/.test(call) && /^\d+/.test(result)) {
      const child = Number(/^\d+/.exec(result)![0]);
      if (argsText.includes('CLONE_THREAD')) processOf.set(child, leader(pid));
      // A child may run (and exec) before its parent's clone returns.
      else if (!programOf.has(child)) programOf.set(child, programOf.get(leader(pid)) ?? '?');
    } else if (ADDRESSED.has(call)) {
      const base = { pid, program: '', call, result: result.trim() };
      const inet = INET.exec(argsText);
      const inet6 = INET6.exec(argsText);
      const unix = UNIX.exec(argsText);
      if (inet) out.push({ ...base, family: 'inet', address: inet[2], port: Number(inet[1]) });
      else if (inet6) out.push({ ...base, family: 'inet6', address: inet6[2], port: Number(inet6[1]) });
      else if (unix) out.push({ ...base, family: 'unix', address: unix[1] });
    }
  }
  // Threads are known once the whole log is read: one may connect before its clone returns.
  for (const c of out) c.program = programOf.get(leader(c.pid)) ?? '?';
  return out;
}

export const isLoopback = (c: Connection): boolean => c.family === 'unix' || (c.family === 'inet' ? c.address.startsWith('127.') : c.address === '::1');

export interface NamespaceCounters {
  /** The namespace's interfaces (`lo` only, when isolated). */
  interfaces: string[];
  /** Bytes sent on interfaces other than `lo`. */
  bytesOut: number;
  /** IP packets the stack found no route for (a connection to anywhere but loopback). */
  outNoRoutes: number;
  /** TCP connections opened. */
  tcpActiveOpens: number;
  udpOutDatagrams: number;
}

/** The counters of the network namespace process `pid` is in. */
export function namespaceCounters(pid: number): NamespaceCounters {
  const dev = fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/[:\s]+/));
  const snmp = fs.readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n');
  const field = (proto: string, name: string): number => {
    const [head, values] = snmp.filter((l) => l.startsWith(`${proto}:`)).map((l) => l.split(/\s+/));
    return Number(values[head.indexOf(name)]);
  };
  return {
    interfaces: dev.map((cols) => cols[0]),
    bytesOut: dev.filter((cols) => cols[0] !== 'lo').reduce((sum, cols) => sum + Number(cols[9]), 0),
    outNoRoutes: field('Ip', 'OutNoRoutes'),
    tcpActiveOpens: field('Tcp', 'ActiveOpens'),
    udpOutDatagrams: field('Udp', 'OutDatagrams'),
  };
}
