/**
 * An in-process node:http server standing in for an inference server: each test scripts the
 * answers (the wire formats of llama.cpp, Ollama and OpenAI-compatible servers, byte for byte) and
 * injects faults; the fake records every request and whether its connection was closed early.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
  /** Resolves when the client closed the connection before the answer ended (an abort). */
  closedEarly: Promise<void>;
  /** The answer was ended by the fake. */
  finished: boolean;
}

export type Handler = (req: FakeRequest, res: http.ServerResponse) => void | Promise<void>;

export class FakeServer {
  readonly requests: FakeRequest[] = [];
  private routes = new Map<string, Handler>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  static async start(): Promise<FakeServer> {
    const fake = new FakeServer();
    fake.server.on('connection', (s) => {
      fake.sockets.add(s);
      s.on('close', () => fake.sockets.delete(s));
    });
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  /** `METHOD /path` -> handler; replaces an earlier one. */
  on(route: string, handler: Handler): this {
    this.routes.set(route, handler);
    return this;
  }

  /** Requests to a path, in order. */
  to(path: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Open connections right now (keep-alive ones included). */
  get openSockets(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0];
    let resolveClosed!: () => void;
    const record: FakeRequest = {
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      closedEarly: new Promise<void>((r) => (resolveClosed = r)),
      finished: false,
    };
    res.on('finish', () => (record.finished = true));
    res.on('close', () => {
      if (!record.finished) resolveClosed();
    });
    this.requests.push(record);
    const handler = this.routes.get(`${record.method} ${path}`);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${record.method} ${path}` } }));
      return;
    }
    await handler(record, res);
  }
}

export const json = (res: http.ServerResponse, value: unknown, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
};

/** Starts an event stream; `send` writes one event in the framing given. */
export function startStream(res: http.ServerResponse, format: 'sse' | 'ndjson'): (event: unknown) => void {
  res.writeHead(200, { 'content-type': format === 'sse' ? 'text/event-stream' : 'application/x-ndjson' });
  return (event) => res.write(format === 'sse' ? `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n` : `${JSON.stringify(event)}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** llama-server's `/infill` stream: one `content` piece per token, then `stop` with its timings (and no `[DONE]`). */
export function llamaStream(pieces: string[], timings = { cache_n: 0, prompt_n: 20, prompt_ms: 12.5, predicted_n: pieces.length, predicted_ms: 30 }, gapMs = 0): Handler {
  return async (_req, res) => {
    const send = startStream(res, 'sse');
    for (const content of pieces) {
      send({ content, stop: false, tokens: [] });
      if (gapMs) await sleep(gapMs);
    }
    send({ content: '', stop: true, stop_type: 'eos', timings });
    res.end();
  };
}

/** An answer that never ends by itself (until the client goes away). */
export function endlessLlamaStream(gapMs = 20): Handler {
  return async (req, res) => {
    const send = startStream(res, 'sse');
    let gone = false;
    void req.closedEarly.then(() => (gone = true));
    while (!gone) {
      send({ content: 'x', stop: false });
      await sleep(gapMs);
    }
  };
}

/** The `/props` a llama-server answers, enough for the probe. */
export function llamaProps(fake: FakeServer): FakeServer {
  return fake.on('GET /props', (_q, res) => json(res, { default_generation_settings: { n_ctx: 4096 }, model_path: '/models/qwen2.5-coder-0.5b-q8_0.gguf', total_slots: 1 }));
}
