/**
 * Draws media/icon.png (256x256, the Marketplace asks for at least 128x128): lines of code on a
 * rounded tile, the last one ending in a cursor and a faded suggestion, as ghost text looks.
 * Run once when the design changes (`npx tsx test/packaging/drawIcon.ts`); the PNG is committed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const SIZE = 256;
type Rgba = [number, number, number, number];

/** Coverage of a rounded rectangle at a pixel, antialiased over one pixel (signed distance). */
function roundedRect(x: number, y: number, [x0, y0, x1, y1]: number[], r: number): number {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  const d = Math.hypot(dx, dy) - r;
  return Math.min(1, Math.max(0, 0.5 - d));
}

const TILE: Rgba = [24, 42, 72, 255];
const CODE: Rgba = [220, 230, 245, 255];
const KEYWORD: Rgba = [110, 190, 255, 255];
const GHOST: Rgba = [220, 230, 245, 95];
const CURSOR: Rgba = [255, 200, 80, 255];
/** [x0, y0, x1, y1, colour]: bars of code, indented as a small function. */
const SHAPES: [number, number, number, number, Rgba][] = [
  [44, 58, 92, 78, KEYWORD], [102, 58, 182, 78, CODE],
  [72, 100, 124, 120, KEYWORD], [134, 100, 206, 120, CODE],
  [72, 142, 112, 162, CODE], [126, 137, 132, 167, CURSOR], [140, 142, 212, 162, GHOST],
  [44, 184, 84, 204, CODE],
];

function pixel(x: number, y: number): Rgba {
  const tile = roundedRect(x, y, [8, 8, 248, 248], 44);
  let [r, g, b] = TILE;
  for (const [x0, y0, x1, y1, [cr, cg, cb, ca]] of SHAPES) {
    const a = roundedRect(x, y, [x0, y0, x1, y1], 6) * (ca / 255);
    r += (cr - r) * a;
    g += (cg - g) * a;
    b += (cb - b) * a;
  }
  return [r, g, b, 255 * tile];
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function drawIcon(): Buffer {
  const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) {
    raw[y * (SIZE * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const px = pixel(x + 0.5, y + 0.5).map((v) => Math.round(Math.min(255, Math.max(0, v))));
      raw.set(px, y * (SIZE * 4 + 1) + 1 + x * 4);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

if (require.main === module) fs.writeFileSync(path.resolve(__dirname, '..', '..', 'media', 'icon.png'), drawIcon());
