/**
 * Just enough of the protobuf wire format to read an ONNX graph's structure and splice edits
 * into it without decoding (or even reading) the weights. A model is a sequence of fields; a
 * rewritten model is the original byte ranges with a few fields replaced or inserted, so
 * fields this code does not know (newer ONNX versions) pass through untouched.
 */
import * as fs from 'node:fs';

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Len = 2,
  Fixed32 = 5,
}

/** One field: `tagStart` is where its tag begins, `start..end` its payload. */
export interface Field {
  no: number;
  wt: number;
  tagStart: number;
  start: number;
  end: number;
  /** The value of a varint field. */
  value?: number;
}

export class WireError extends Error {}

/** Random access to the bytes of a model, in memory or in a file too large to read whole. */
export interface ByteSource {
  readonly size: number;
  /** Bytes [pos, pos+len); the result may share memory with the source. */
  bytes(pos: number, len: number): Uint8Array;
}

export class MemorySource implements ByteSource {
  readonly size: number;
  constructor(readonly buf: Uint8Array) {
    this.size = buf.length;
  }
  bytes(pos: number, len: number): Uint8Array {
    if (pos < 0 || pos + len > this.size) throw new WireError(`read past the end (${pos}+${len} > ${this.size})`);
    return this.buf.subarray(pos, pos + len);
  }
}

/** Reads through a window so walking field headers costs few system calls. */
export class FileSource implements ByteSource {
  private window = new Uint8Array(0);
  private windowPos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly windowSize = 1 << 16,
  ) {}
  bytes(pos: number, len: number): Uint8Array {
    if (pos < 0 || pos + len > this.size) throw new WireError(`read past the end (${pos}+${len} > ${this.size})`);
    if (pos >= this.windowPos && pos + len <= this.windowPos + this.window.length) {
      return this.window.subarray(pos - this.windowPos, pos - this.windowPos + len);
    }
    const want = Math.min(Math.max(len, this.windowSize), this.size - pos);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(this.fd, buf, got, want - got, pos + got);
      if (n === 0) throw new WireError(`file ended early at ${pos + got}`);
      got += n;
    }
    this.window = buf;
    this.windowPos = pos;
    return buf.subarray(0, len);
  }
}

function readVarint(src: ByteSource, pos: number, end: number): [value: number, next: number] {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new WireError(`varint runs past ${end}`);
    const b = src.bytes(pos++, 1)[0];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
  }
  throw new WireError(`varint longer than 10 bytes at ${pos}`);
}

/** The fields of the message occupying [start, end). Throws WireError on malformed input. */
export function readFields(src: ByteSource, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    const [tag, p1] = readVarint(src, pos, end);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) throw new WireError(`field number 0 at ${tagStart}`);
    pos = p1;
    let fieldStart = pos;
    let value: number | undefined;
    switch (wt) {
      case WireType.Varint: {
        const [v, p] = readVarint(src, pos, end);
        value = v;
        pos = p;
        break;
      }
      case WireType.Fixed64:
        pos += 8;
        break;
      case WireType.Fixed32:
        pos += 4;
        break;
      case WireType.Len: {
        const [len, p] = readVarint(src, pos, end);
        fieldStart = p;
        pos = p + len;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wt} at ${tagStart}`);
    }
    if (pos > end) throw new WireError(`field ${no} at ${tagStart} runs past its message (${pos} > ${end})`);
    out.push({ no, wt, tagStart, start: fieldStart, end: pos, value });
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');
const utf8enc = new TextEncoder();

export function readString(src: ByteSource, f: Field): string {
  return utf8.decode(src.bytes(f.start, f.end - f.start));
}

// ---- encoding ----

export function varint(v: number | bigint): Uint8Array {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return Uint8Array.from(out);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function lenField(no: number, payload: Uint8Array | string): Uint8Array {
  const bytes = typeof payload === 'string' ? utf8enc.encode(payload) : payload;
  return concat([varint(no * 8 + WireType.Len), varint(bytes.length), bytes]);
}

export function varintField(no: number, v: number | bigint): Uint8Array {
  return concat([varint(no * 8 + WireType.Varint), varint(v)]);
}
